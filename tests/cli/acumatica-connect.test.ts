/**
 * `ml-connector connect acumatica` through the real bin against the Acumatica emulator: a cookie
 * sign-in by default, OAuth 2.0 through a connected application when --client-id is given (its
 * secret from the environment, never the command line), and the optional fields left out when
 * their flags are.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startAcumaticaEmulator, type AcumaticaEmulator } from '../../src/emulators/acumatica/index.ts';
import { freshPgliteDataDir } from '../helpers/db.ts';
import { control } from '../helpers/emulator-control.ts';
import { runCli } from './run-cli.ts';

describe('connect acumatica through the real bin', () => {
  let acu: AcumaticaEmulator;
  const dataDirs: string[] = [];
  before(async () => {
    acu = await startAcumaticaEmulator({ seed: 47 });
  });
  after(async () => {
    await acu?.stop();
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  });

  const freshEnv = async (extra: Record<string, string>): Promise<Record<string, string>> => {
    const dir = await freshPgliteDataDir();
    dataDirs.push(dir);
    return { ML_CONNECTOR_DATA_DIR: dir, ML_CONNECTOR_ACUMATICA_PASSWORD: acu.sandbox.password, ...extra };
  };
  const tokenCalls = async (): Promise<number> => (await control(acu.urls.base, 'GET', '/stats')).callsByEndpoint['POST /identity/connect/token'] ?? 0;

  test('without --client-id and --branch: a cookie sign-in, no branch, the password never printed', async () => {
    const env = await freshEnv({});
    const run = await runCli(['connect', 'acumatica', '--tenant', acu.sandbox.tenant, '--username', acu.sandbox.name, '--base-url', acu.urls.base, '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const connected = JSON.parse(run.stdout);
    assert.equal(connected.system, 'acumatica');
    assert.equal(connected.loginChecked, true);
    const shown = await runCli(['status', '--json'], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout).connections.map((c: { system: string }) => c.system), ['acumatica']);
    assert.ok(!run.stdout.includes(acu.sandbox.password) && !run.stderr.includes(acu.sandbox.password) && !shown.stdout.includes(acu.sandbox.password));
  });

  test('with --client-id: OAuth 2.0 through the connected application, the secret read from the environment', async () => {
    const env = await freshEnv({ ML_CONNECTOR_ACUMATICA_CLIENT_SECRET: acu.sandbox.clientSecret });
    const before = await tokenCalls();
    const run = await runCli(['connect', 'acumatica', '--tenant', acu.sandbox.tenant, '--branch', acu.sandbox.branch, '--username', acu.sandbox.name, '--client-id', acu.sandbox.clientId, '--base-url', acu.urls.base, '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.ok((await tokenCalls()) > before, 'the sign-in went through the token endpoint');
    for (const secret of [acu.sandbox.clientSecret, acu.sandbox.password]) assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), 'no secret printed');
  });

  test('a wrong client secret is refused before anything is saved; a secret variable named but unset is a usage error', async () => {
    const env = await freshEnv({ ML_CONNECTOR_ACUMATICA_CLIENT_SECRET: 'not-the-secret' });
    const args = ['connect', 'acumatica', '--tenant', acu.sandbox.tenant, '--username', acu.sandbox.name, '--client-id', acu.sandbox.clientId, '--base-url', acu.urls.base];
    const refused = await runCli(args, env);
    assert.notEqual(refused.code, 0);
    assert.ok(!refused.stderr.includes('not-the-secret'), 'the wrong secret is not echoed');
    assert.deepEqual(JSON.parse((await runCli(['status', '--json'], env)).stdout).connections, [], 'nothing saved');
    const unset = await runCli([...args, '--client-secret-env', 'NO_SUCH_VARIABLE_SET'], env);
    assert.notEqual(unset.code, 0);
    assert.match(unset.stderr, /NO_SUCH_VARIABLE_SET/);
  });
});
