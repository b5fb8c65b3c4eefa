/**
 * A master key other than the one the data was sealed with, through the real bin: its own error
 * (MLC_ERR_CONFIG) saying which key was used (environment or key file) and what to do, and
 * `status` shows the connection as unreadable instead of "ok".
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openRuntime } from '../../src/app/runtime.ts';
import { saveConnection } from '../../src/store/repos/connections.ts';
import { freshPgliteDataDir } from '../helpers/db.ts';
import { runCli } from './run-cli.ts';

describe('a master key that did not seal the data', () => {
  let dataDir = '';
  const sealedWith = randomBytes(32).toString('hex');

  before(async () => {
    dataDir = await freshPgliteDataDir();
    const rt = await openRuntime({ dataDir, masterKey: sealedWith });
    try {
      await saveConnection(rt.db, rt.box, {
        id: 'bill-main', system: 'bill', label: '00801', tenantId: '00801', config: { urls: { api: 'http://127.0.0.1:9/connect/v3', events: 'http://127.0.0.1:9/connect-events/v3' } },
        secret: { devKey: 'k', username: 'u', password: 'a-password-never-shown', organizationId: '00801' },
      });
    } finally {
      await rt.close();
    }
  });
  after(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('the environment key: status says unreadable and exits 4, ping names ML_CONNECTOR_MASTER_KEY', async () => {
    const env = { ML_CONNECTOR_DATA_DIR: dataDir, ML_CONNECTOR_MASTER_KEY: randomBytes(32).toString('hex') };
    const status = await runCli(['status', '--json'], env);
    assert.equal(status.code, 4, status.stderr);
    const c = JSON.parse(status.stdout).connections[0];
    assert.equal(c.status, 'unreadable');
    assert.match(c.status_reason, /sealed with another master key/);
    assert.match(c.status_reason, /environment \(ML_CONNECTOR_MASTER_KEY\)/);

    const human = await runCli(['status'], env);
    assert.match(human.stdout, /bill-main\s+bill\s+00801\s+unreadable/);

    const ping = await runCli(['ping', '--json'], env);
    const [r] = JSON.parse(ping.stdout);
    assert.equal(r.error.code, 'MLC_ERR_CONFIG');
    assert.match(r.error.message, /connection 'bill-main' cannot be opened with the master key from the environment/);
    for (const out of [status.stdout, status.stderr, ping.stdout, ping.stderr]) assert.ok(!out.includes('a-password-never-shown') && !out.includes(env.ML_CONNECTOR_MASTER_KEY));
  });

  test('the key file: the error names the file and that ML_CONNECTOR_MASTER_KEY is not set', async () => {
    writeFileSync(join(dataDir, 'master.key'), randomBytes(32).toString('hex'), { mode: 0o600 });
    const sync = await runCli(['ping'], { ML_CONNECTOR_DATA_DIR: dataDir });
    assert.match(sync.stdout, /MLC_ERR_CONFIG the stored secret of connection 'bill-main' cannot be opened with the master key from the key file .*master\.key \(ML_CONNECTOR_MASTER_KEY is not set\)/);
    assert.doesNotMatch(sync.stdout + sync.stderr, /MLC_ERR_BUG/);
    const ok = await runCli(['status', '--json'], { ML_CONNECTOR_DATA_DIR: dataDir, ML_CONNECTOR_MASTER_KEY: sealedWith });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).connections[0].status, 'ok', 'the right key opens it');
  });
});
