/**
 * `ml-connector serve` as a separate process: usage errors, the embedded database refusing a split
 * role, and the API token created on the first start (printed once to stderr, stored encrypted, the
 * same token accepted after a restart and never printed again).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freshPgliteDataDir } from '../helpers/db.ts';

const bin = fileURLToPath(new URL('../../bin/ml-connector.js', import.meta.url));
const masterKey = randomBytes(32).toString('hex');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function serve(args: string[], dataDir: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, ML_CONNECTOR_DATA_DIR: dataDir, ML_CONNECTOR_MASTER_KEY: masterKey, ML_CONNECTOR_LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.ML_CONNECTOR_API_TOKEN;
  const child = spawn(process.execPath, [bin, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const ready = new Promise<{ url: string }>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    void exit.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  ready.catch(() => undefined);
  return { child, exit, ready, stderr: () => stderr };
}

test('a bad --role is a usage error (exit 2) naming the flag', async () => {
  const p = serve(['--role', 'both'], '/nonexistent');
  assert.equal(await p.exit, 2);
  assert.match(p.stderr(), /--role must be one of all, web, worker, got 'both'/);
});

test('the embedded database refuses a split role with a clear error', async () => {
  const dir = await freshPgliteDataDir();
  dirs.push(dir);
  const p = serve(['--role', 'worker'], dir);
  assert.equal(await p.exit, 4);
  assert.match(p.stderr(), /MLC_ERR_CONFIG: --role worker needs a PostgreSQL database \(DATABASE_URL\)/);
});

test('the API token is created on the first start, printed once, and accepted after a restart', async () => {
  const dir = await freshPgliteDataDir();
  dirs.push(dir);
  const first = serve(['--port', '0'], dir);
  const { url } = await first.ready;
  const token = /API token \(shown once[^)]*\): (mlc_[A-Za-z0-9_-]{43})\n/.exec(first.stderr())?.[1];
  assert.ok(token, first.stderr());
  assert.equal((await fetch(`${url}/api/links`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  first.child.kill('SIGTERM');
  assert.equal(await first.exit, 0);

  const second = serve(['--port', '0'], dir);
  const again = await second.ready;
  assert.equal((await fetch(`${again.url}/api/links`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  assert.equal((await fetch(`${again.url}/api/links`)).status, 401);
  second.child.kill('SIGINT');
  assert.equal(await second.exit, 0);
  assert.doesNotMatch(second.stderr(), /API token/);
  assert.ok(!second.stderr().includes(token));
});
