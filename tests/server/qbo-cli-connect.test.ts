/**
 * `ml-connector connect qbo` through the real bin against the QBO emulator: the generic OAuth
 * command completes Intuit's flow with the realm from the callback (no tenant to choose).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startQboEmulator, type QboEmulator } from '../../src/emulators/qbo/index.ts';
import { freshPgliteDataDir } from '../helpers/db.ts';
import { runCliWatching } from '../cli/run-cli.ts';

/** Opens the first Intuit consent URL printed on stderr once, as a browser would (the emulator consents at once). */
function intuitConsentOpener(): (soFar: string) => void {
  let opened = false;
  return (soFar) => {
    const url = /^(http\S+\/connect\/oauth2\?\S+)$/m.exec(soFar)?.[1];
    if (!url || opened) return;
    opened = true;
    void fetch(url, { redirect: 'follow' }).then((r) => r.arrayBuffer()).catch(() => undefined);
  };
}

describe('connect qbo through the real bin', () => {
  let qbo: QboEmulator;
  let dataDir = '';
  let env: Record<string, string> = {};
  before(async () => {
    qbo = await startQboEmulator({ seed: 43 });
    dataDir = await freshPgliteDataDir();
    env = { ML_CONNECTOR_DATA_DIR: dataDir, ML_CONNECTOR_QBO_CLIENT_SECRET: qbo.sandbox.clientSecret };
  });
  after(async () => {
    await qbo?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('the command connects the company named in the callback, with no tenant to choose and no secret printed', async () => {
    // One run of the bin (each opens the embedded database); the connection it stores is what
    // tests/server/qbo-connect.test.ts reads back through the same flow in-process.
    const run = await runCliWatching(['connect', 'qbo', '--client-id', qbo.sandbox.clientId, '--base-url', qbo.urls.base, '--json'], env, intuitConsentOpener());
    assert.equal(run.code, 0, run.stderr);
    const connected = JSON.parse(run.stdout);
    assert.deepEqual([connected.system, connected.tenantId, connected.id], ['qbo', qbo.sandbox.realmId, `qbo-${qbo.sandbox.realmId.slice(-8)}`]);
    assert.deepEqual(connected.tenants, [{ id: qbo.sandbox.realmId }], 'the grant reaches the one company picked at consent');
    assert.match(run.stderr, /Open this URL to connect QuickBooks Online/);
    assert.ok(!run.stdout.includes(qbo.sandbox.clientSecret) && !run.stderr.includes(qbo.sandbox.clientSecret), 'the secret is never printed');
  });
});
