/**
 * The README's "Using it" commands, parsed out of README.md and run verbatim through a shell on a
 * fresh data directory (ML_CONNECTOR_DATA_DIR) against the `emulate` command they start, so the
 * README and the product cannot drift apart. The test plays the person only where the README says
 * so: it opens the consent URL `connect xero` prints, as a browser would.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freshPgliteDataDir } from '../helpers/db.ts';
import { repoRoot } from '../engine/crash-harness.ts';
import { consentOpener, type CliResult } from './run-cli.ts';

/** The shell blocks of the README section "Using it", one command a line. */
export function usingItCommands(readme: string): string[][] {
  const start = readme.indexOf('\n## Using it\n');
  assert.ok(start >= 0, 'README has a "Using it" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
}

function shell(line: string, env: NodeJS.ProcessEnv, onStderr?: (soFar: string) => void): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn('sh', ['-c', line], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    onStderr?.(stderr);
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

describe("the README's Using it, verbatim", () => {
  const blocks = usingItCommands(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
  let dataDir = '';
  let env: NodeJS.ProcessEnv = {};
  let emulator: { child: ChildProcess; done: Promise<CliResult> } | null = null;

  before(async () => {
    dataDir = await freshPgliteDataDir();
    env = { PATH: process.env.PATH, HOME: process.env.HOME, ML_CONNECTOR_DATA_DIR: dataDir };
  });
  after(async () => {
    if (emulator?.child.pid && emulator.child.exitCode === null) {
      process.kill(-emulator.child.pid, 'SIGTERM');
      await emulator.done;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('two blocks: the sandbox, then the commands against it', () => {
    assert.equal(blocks.length, 2, JSON.stringify(blocks));
    assert.equal(blocks[0]!.length, 1);
    for (const line of blocks.flat()) assert.match(line, /^(\w+=\S+ )*npx ml-connector /, `a command a fresh clone can run: ${line}`);
  });

  test('every command works on a fresh data directory', { timeout: 600_000 }, async () => {
    emulator = shell(blocks[0]![0]!, env);
    const ready = await new Promise<string>((resolve, reject) => {
      let out = '';
      emulator!.child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      void emulator!.done.then((r) => reject(new Error(`emulate ended: ${r.code} ${r.stderr}`)));
    });
    const described = JSON.parse(ready);
    for (const line of blocks[1]!) {
      const r = await shell(line, env, line.includes('connect xero') ? consentOpener() : undefined).done;
      assert.equal(r.code, 0, `${line}\nexit ${r.code}\n${r.stdout}\n${r.stderr}`);
      if (line.endsWith(' reconcile')) assert.match(r.stdout, /the ledgers agree/);
    }
    assert.ok(described.bill.sandbox.organizationId, 'the emulator printed its sandbox credentials');
  });
});
