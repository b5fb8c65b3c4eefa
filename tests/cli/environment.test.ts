/**
 * Every command reads the environment once (src/config.ts): a bad value stops it with
 * MLC_ERR_CONFIG naming the variable, never echoing the value (it may hold a password or a key).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freshPgliteDataDir } from '../helpers/db.ts';
import { runCli } from './run-cli.ts';

let dataDir = '';
before(async () => {
  dataDir = await freshPgliteDataDir();
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('bad configuration: exit 4, the variable named, its value never shown', async () => {
  const cases: { env: Record<string, string>; variable: string; secret: string }[] = [
    { env: { DATABASE_URL: 'mysql://admin:Sup3rSecretPw@db.internal/books' }, variable: 'DATABASE_URL', secret: 'Sup3rSecretPw' },
    { env: { ML_CONNECTOR_MASTER_KEY: 'correct-horse-battery-staple' }, variable: 'ML_CONNECTOR_MASTER_KEY', secret: 'correct-horse-battery-staple' },
    { env: { ML_CONNECTOR_MASTER_KEY: 'ab'.repeat(16) }, variable: 'ML_CONNECTOR_MASTER_KEY', secret: 'ab'.repeat(16) },
    { env: { ML_CONNECTOR_LOG_LEVEL: 'chatty-loglevel' }, variable: 'ML_CONNECTOR_LOG_LEVEL', secret: 'chatty-loglevel' },
  ];
  for (const c of cases) {
    const r = await runCli(['status', '--json'], { ML_CONNECTOR_DATA_DIR: dataDir, ...c.env });
    assert.equal(r.code, 4, `${c.variable}: exit 4 (stderr: ${r.stderr})`);
    assert.match(r.stderr, new RegExp(`^error MLC_ERR_CONFIG: .*${c.variable}`), `${c.variable} is named`);
    assert.ok(!r.stderr.includes(c.secret) && !r.stdout.includes(c.secret), `${c.variable}: its value is not shown`);
    assert.equal(r.stdout, '', 'nothing on stdout');
  }
});

test('--data-dir wins over ML_CONNECTOR_DATA_DIR; a usable master key opens the store', async () => {
  const r = await runCli(['status', '--json', '--data-dir', dataDir], { ML_CONNECTOR_DATA_DIR: join(dataDir, 'not-this-one'), ML_CONNECTOR_MASTER_KEY: 'cd'.repeat(32) });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { connections: [], links: [] });
  assert.equal(existsSync(join(dataDir, 'not-this-one')), false, 'the environment variable was not used');
});
