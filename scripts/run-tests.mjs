// The test command: every *.test.ts under src/ and tests/ through node's test runner, once.
// Tests that need PostgreSQL read MLC_TEST_DATABASE_URL; when it is not set, a throwaway server is
// started here for the run (skipped with a clear message where the server binaries are missing).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startThrowawayPostgres } from './throwaway-postgres.mjs';

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = ['src', 'tests']
  .flatMap((d) => findTests(d))
  .map((f) => relative(process.cwd(), f))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

let pg = null;
if (!process.env.MLC_TEST_DATABASE_URL) {
  pg = await startThrowawayPostgres();
  if (pg) process.env.MLC_TEST_DATABASE_URL = pg.url;
  else console.error('PostgreSQL server binaries not found: the PostgreSQL half of the suite is skipped');
}

const child = spawn(process.execPath, [
  '--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=600000', ...files,
], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });

let passed = 0;
let failed = 0;
let buffer = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffer += chunk.toString();
  const lines = buffer.split('\n');
  buffer = lines.pop() ?? '';
  for (const line of lines) {
    const pass = /^ℹ pass (\d+)/.exec(line);
    const fail = /^ℹ fail (\d+)/.exec(line);
    if (pass) passed = Number(pass[1]);
    if (fail) failed = Number(fail[1]);
  }
});
const code = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
pg?.stop();
console.log(`${passed} passed, ${failed} failed`);
process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
