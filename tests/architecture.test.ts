import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Holds src/ to the import rule of docs/architecture.md: imports flow one way,
 * core → http → systems → model/flows → engine → server | cli, a system folder never imports
 * another, and emulators import only core and themselves. Reads every relative import specifier
 * (static, type-only, re-export and dynamic) of src/**\/*.ts; package imports are not layers.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/**
 * Rank of each top-level folder (or file) of src/: a module may import its own layer or a lower
 * rank, never a higher one. Layers of equal rank may import each other (model and flows are one
 * level in the documented order). The folders the one-line order leaves out sit where their
 * imports put them: store and vault above model (they persist model shapes) and below the engine
 * (which owns all I/O through them); app is the composition root the server, cli, sandbox, demo
 * and bench start from; config.ts reads the environment and needs only core.
 */
const rank: Record<string, number> = {
  core: 0,
  'config.ts': 1,
  http: 1,
  systems: 2,
  model: 3,
  flows: 3,
  store: 4,
  vault: 5,
  engine: 6,
  pairs: 7,
  app: 8,
  server: 9,
  sandbox: 9,
  cli: 10,
  demo: 10,
  bench: 10,
  // Stand-ins for the vendors, not part of the connector: only the entry points that start them
  // (cli `emulate`, demo, bench) may import them, and they import only core (rule below).
  emulators: 10,
};

/**
 * Known violations, each a file and the layers it may reach upwards. Keep this short; each entry
 * says why it stands. The test also fails when an entry is no longer needed, so a fixed one is
 * taken out.
 */
const knownExceptions: Record<string, { layers: string[]; why: string }> = {
  'src/systems/xero/port.ts': {
    layers: ['model', 'engine'],
    why: 'the Xero adapter of the engine ports (engine/ports.ts): it takes canonical payloads and returns model shapes, the one place a system meets the engine',
  },
  'src/systems/bill/port.ts': {
    layers: ['model', 'engine'],
    why: 'the BILL adapter of the engine ports, as above',
  },
  'src/systems/bill/source.ts': {
    layers: ['model', 'engine'],
    why: 'the BILL vendor and bill readers of the engine ports (BILL as a source), split from port.ts to keep it small',
  },
  'src/systems/bill/to-model.ts': {
    layers: ['model'],
    why: 'converts BILL wire shapes to the canonical model, as for Xero',
  },
  'src/systems/xero/to-model.ts': {
    layers: ['model'],
    why: 'converts Xero wire shapes to the canonical model (model/types.ts says each system does); moves with the adapters',
  },
  'src/systems/acumatica/port.ts': {
    layers: ['model', 'engine'],
    why: 'the Acumatica adapter of the engine ports, as for Xero and BILL',
  },
  'src/systems/acumatica/to-model.ts': {
    layers: ['model'],
    why: 'converts Acumatica wire shapes to the canonical model, as for Xero',
  },
  'src/systems/qbo/port.ts': {
    layers: ['model', 'engine'],
    why: 'the QuickBooks Online adapter of the engine ports, as for Xero and BILL',
  },
  'src/systems/qbo/to-model.ts': {
    layers: ['model'],
    why: 'converts QuickBooks Online wire shapes to the canonical model, as for Xero',
  },
  'src/systems/qbo/to-wire.ts': {
    layers: ['model'],
    why: 'turns canonical payloads into QuickBooks Online write shapes (the target side of BILL → QBO)',
  },
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative import specifiers: `import … from`, `export … from`, `import '…'` and `import('…')`. */
export function importSpecifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of text.matchAll(re)) if (m[1]!.startsWith('.')) found.push(m[1]!);
  return found;
}

/** `src/<top>/…` → its top folder (or file name at the top of src). */
const layerOf = (file: string) => relative(src, file).split(sep)[0]!;
/** `src/systems/<x>/…` → x; a file directly under src/systems/ is shared and has none. */
const systemFolderOf = (file: string) => {
  const parts = relative(src, file).split(sep);
  return parts[0] === 'systems' && parts.length > 2 ? parts[1] : undefined;
};

function violations(): { problems: string[]; usedExceptions: Set<string> } {
  const problems: string[] = [];
  const usedExceptions = new Set<string>();
  for (const file of tsFiles(src)) {
    const name = relative(root, file).split(sep).join('/');
    const from = layerOf(file);
    if (rank[from] === undefined) {
      problems.push(`${name}: src/${from} has no layer in tests/architecture.test.ts; give it one and say why`);
      continue;
    }
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      if (relative(src, target).startsWith('..')) continue; // outside src (none today)
      const to = layerOf(target);
      const say = (why: string) => problems.push(`${name} imports '${spec}': ${why}`);
      if (from === 'emulators' && to !== 'core' && to !== 'emulators') {
        say(`emulators import only core and emulators, not ${to}`);
        continue;
      }
      const a = systemFolderOf(file);
      const b = systemFolderOf(target);
      if (a && b && a !== b) say(`one system folder (${a}) imports another (${b})`);
      if (rank[to] === undefined) say(`src/${to} has no layer`);
      else if (rank[to]! > rank[from]!) {
        const exception = knownExceptions[name];
        if (exception?.layers.includes(to)) usedExceptions.add(`${name} → ${to}`);
        else if (to === 'emulators') say('only the entry points that start the emulators (cli, demo, bench) import them');
        else say(`${from} is below ${to} (core → http → systems → model/flows → store → vault → engine → pairs → app → server | sandbox → cli | demo | bench)`);
      }
    }
  }
  return { problems, usedExceptions };
}

test('imports flow one way, per docs/architecture.md', () => {
  const { problems } = violations();
  assert.deepEqual(problems, [], `imports against the layer order:\n  ${problems.join('\n  ')}`);
});

test('every known exception is still needed', () => {
  const { usedExceptions } = violations();
  const stale = Object.entries(knownExceptions).flatMap(([file, e]) => e.layers.filter((l) => !usedExceptions.has(`${file} → ${l}`)).map((l) => `${file} → ${l}`));
  assert.deepEqual(stale, [], `known exceptions no longer needed; take them out of tests/architecture.test.ts:\n  ${stale.join('\n  ')}`);
});

test('the scanner sees every form of import', () => {
  // Guards the scanner itself: were a form missed, the rule above would pass on code that breaks it.
  const text = [
    "import { a } from './a.ts';",
    "import type { B } from '../b.ts';",
    "import {\n  c,\n  type D,\n} from '../../c.ts';",
    "export { e } from './e.ts';",
    "export type * from './f.ts';",
    "import './g.ts';",
    "const h = await import('./h.ts');",
    "import { z } from 'zod';",
  ].join('\n');
  assert.deepEqual(importSpecifiers(text).sort(), ['../../c.ts', '../b.ts', './a.ts', './e.ts', './f.ts', './g.ts', './h.ts']);
});
