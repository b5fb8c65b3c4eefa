import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { ConnectorError } from '../../src/core/errors.ts';

test('config defaults: embedded database in .data under the working directory', () => {
  const c = loadConfig({}, '/srv/app');
  assert.deepEqual(c, { databaseUrl: undefined, dataDir: join('/srv/app', '.data'), masterKey: undefined, logLevel: 'info', apiToken: undefined, settleSeconds: undefined });
});

test('config reads every variable, treating blank as unset', () => {
  const c = loadConfig(
    {
      DATABASE_URL: 'postgresql://mlc:pw@db.internal:5432/mlc',
      ML_CONNECTOR_DATA_DIR: 'state',
      ML_CONNECTOR_MASTER_KEY: 'ab'.repeat(32),
      ML_CONNECTOR_LOG_LEVEL: 'debug',
      ML_CONNECTOR_API_TOKEN: ' ',
      ML_CONNECTOR_SETTLE_SECONDS: '30',
    },
    '/srv/app',
  );
  assert.equal(c.settleSeconds, 30);
  assert.equal(c.databaseUrl, 'postgresql://mlc:pw@db.internal:5432/mlc');
  assert.equal(c.dataDir, join('/srv/app', 'state'));
  assert.equal(c.masterKey, 'ab'.repeat(32));
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.apiToken, undefined);
});

test('config errors name the variable and never echo its value', () => {
  const bad = (env: Record<string, string>, variable: string) =>
    assert.throws(
      () => loadConfig(env),
      (e: unknown) =>
        e instanceof ConnectorError &&
        e.code === 'MLC_ERR_CONFIG' &&
        e.message.includes(variable) &&
        Object.values(env).every((v) => !e.message.includes(v)),
    );
  bad({ DATABASE_URL: 'mysql://root:s3cretpw@host/db' }, 'DATABASE_URL');
  bad({ ML_CONNECTOR_SETTLE_SECONDS: '2.5' }, 'ML_CONNECTOR_SETTLE_SECONDS');
  bad({ ML_CONNECTOR_SETTLE_SECONDS: '-1' }, 'ML_CONNECTOR_SETTLE_SECONDS');
  bad({ ML_CONNECTOR_LOG_LEVEL: 'chatty' }, 'ML_CONNECTOR_LOG_LEVEL');
  bad({ ML_CONNECTOR_API_TOKEN: 'short-tok' }, 'ML_CONNECTOR_API_TOKEN');
});
