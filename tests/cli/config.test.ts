import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { openRuntime, runtimeOptionsFrom } from '../../src/app/runtime.ts';
import { ConnectorError } from '../../src/core/errors.ts';
import { freshPgliteDataDir } from '../helpers/db.ts';

test('config: the entry point chooses the log level default; the variable wins over it', () => {
  assert.equal(loadConfig({}, '/srv/app').logLevel, 'info');
  assert.equal(loadConfig({}, '/srv/app', { logLevel: 'warn' }).logLevel, 'warn');
  assert.equal(loadConfig({ ML_CONNECTOR_LOG_LEVEL: 'debug' }, '/srv/app', { logLevel: 'warn' }).logLevel, 'debug');
});

test('runtime options come from the configuration; a --data-dir flag wins over ML_CONNECTOR_DATA_DIR', () => {
  const config = loadConfig(
    { DATABASE_URL: 'postgres://mlc@db.internal/mlc', ML_CONNECTOR_DATA_DIR: 'state', ML_CONNECTOR_MASTER_KEY: 'cd'.repeat(32), ML_CONNECTOR_LOG_LEVEL: 'error' },
    '/srv/app',
  );
  assert.deepEqual(runtimeOptionsFrom(config), {
    dataDir: join('/srv/app', 'state'),
    databaseUrl: 'postgres://mlc@db.internal/mlc',
    masterKey: 'cd'.repeat(32),
    logLevel: 'error',
    settleSeconds: undefined,
  });
  assert.equal(runtimeOptionsFrom(config, { dataDir: 'elsewhere' }).dataDir, resolve('elsewhere'));
});

test('a master key that cannot be used is MLC_ERR_CONFIG naming the variable, never the key', async () => {
  const dataDir = await freshPgliteDataDir();
  try {
    const badKey = 'not-a-key-but-a-secret-phrase';
    await assert.rejects(
      openRuntime(runtimeOptionsFrom(loadConfig({ ML_CONNECTOR_DATA_DIR: dataDir, ML_CONNECTOR_MASTER_KEY: badKey }))),
      (e: unknown) =>
        e instanceof ConnectorError && e.code === 'MLC_ERR_CONFIG' && e.message.includes('ML_CONNECTOR_MASTER_KEY') && !e.message.includes(badKey),
    );
    // The database was closed on the way out, so the data directory can be opened again at once.
    const rt = await openRuntime({ dataDir, masterKey: 'ef'.repeat(32) });
    await rt.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
