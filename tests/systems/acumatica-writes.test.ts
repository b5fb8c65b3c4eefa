import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../src/core/errors.ts';
import { createAcumaticaClient } from '../../src/systems/acumatica/client.ts';
import { AcumaticaOAuth, type AcumaticaOAuthCredentials } from '../../src/systems/acumatica/oauth.ts';
import { accountSchema, billSchema, checkSchema, vendorSchema } from '../../src/systems/acumatica/schema.ts';
import { MemoryCredentialStore } from '../../src/systems/memory-credential-store.ts';
import { startAcumaticaHarness } from './acumatica-harness.ts';

test('Acumatica: an insert-only PUT of a record that exists is a 412; a refused record names its fields; a forced 429 is waited out', async () => {
  const h = await startAcumaticaHarness({ seed: 21, initialSeed: { vendors: 4, bills: 4 } });
  const client = h.client();
  try {
    const vendor = await client.put('Vendor', { VendorID: 'MLCTEST', VendorName: 'Connector Test Vendor', VendorClass: 'DEFAULT' }, vendorSchema, { mode: 'insert' });
    assert.equal(vendor.VendorID, 'MLCTEST');
    await assert.rejects(client.put('Vendor', { VendorID: 'MLCTEST', VendorName: 'Again' }, vendorSchema, { mode: 'insert' }), (e: unknown) => {
      assert.ok(e instanceof ConnectorError);
      assert.equal(e.status, 412);
      assert.equal(e.vendorCode, 'PreconditionFailed');
      return true;
    });
    const updated = await client.put('Vendor', { VendorID: 'MLCTEST', VendorName: 'Renamed' }, vendorSchema, { mode: 'update' });
    assert.equal(updated.VendorName, 'Renamed');

    await assert.rejects(
      client.put('Check', { Type: 'Payment', Vendor: 'NO-SUCH-VENDOR', PaymentMethod: 'CHECK', CashAccount: '10100', PaymentAmount: 5 }, checkSchema, { mode: 'insert' }),
      (e: unknown) => {
        assert.ok(e instanceof ConnectorError);
        assert.equal(e.status, 422);
        assert.equal(e.code, 'MLC_ERR_VALIDATION');
        assert.match(e.message, /Vendor: 'Vendor' cannot be found/);
        return true;
      },
    );

    await h.control('licence', { force429: 2 });
    const page = await client.listPage('Account', accountSchema, { top: 3, skip: 0 });
    assert.equal(page.records.length, 3, 'two declined requests were retried with backoff');
    assert.equal(h.waits.length >= 2, true);
  } finally {
    await client.close();
    await h.stop();
  }
});

test('Acumatica: a long-running action is polled at its Location until done; a read sent meanwhile still answers', async () => {
  const h = await startAcumaticaHarness({ seed: 22, actionPolls: 3, initialSeed: { vendors: 6, bills: 20 } });
  const client = h.client({ polling: { intervalMs: 1, maxWaitMs: 10_000 } });
  try {
    let balanced;
    for await (const page of client.list('Bill', billSchema, { filter: "Status eq 'Balanced'" })) balanced ??= page.records[0];
    assert.ok(balanced, 'the seed has a balanced bill');
    const [release, read] = await Promise.all([
      client.invoke('Bill', 'ReleaseBill', { Type: balanced.Type, ReferenceNbr: balanced.ReferenceNbr }),
      client.getByKeys('Bill', [balanced.Type, balanced.ReferenceNbr], billSchema),
    ]);
    assert.equal(release, undefined);
    assert.ok(read);
    const after = await client.getByKeys('Bill', [balanced.Type, balanced.ReferenceNbr], billSchema);
    assert.equal(after?.Status, 'Open');
    const calls = await h.calls();
    const polls = Object.entries(calls).filter(([k]) => /ReleaseBill\/status/.test(k)).reduce((n, [, v]) => n + v, 0);
    assert.ok(polls >= 3, `the status was polled (${JSON.stringify(calls)})`);
    assert.equal(await client.getByKeys('Bill', ['Bill', 'NOPE00'], billSchema), undefined, 'a missing record reads as none');
  } finally {
    await client.close();
    await h.stop();
  }
});

test('Acumatica: OAuth 2.0 password grant connects; calls carry the bearer token and a refresh rotates the refresh token', async () => {
  const h = await startAcumaticaHarness({ seed: 23 });
  try {
    const { sandbox } = h.emu;
    const site = { instanceUrl: h.emu.urls.base, tenant: sandbox.tenant };
    const bootstrap = createAcumaticaClient({ site, auth: { kind: 'cookie', store: h.store } });
    const oauth = new AcumaticaOAuth(bootstrap.transport, { site, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret });
    const creds = await oauth.passwordGrant({ username: sandbox.name, password: sandbox.password });
    assert.ok(creds.refreshToken && creds.accessToken);
    assert.equal(JSON.stringify(creds).includes(sandbox.password), false, 'the password is not kept');
    const store = new MemoryCredentialStore<AcumaticaOAuthCredentials>(creds);
    let now = Date.now();
    const client = createAcumaticaClient({ site, auth: { kind: 'oauth', store, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret }, clock: { now: () => now } });
    assert.equal((await client.listPage('Account', accountSchema, { top: 2, skip: 0 })).records.length, 2);
    now += 3600_000;
    assert.equal((await client.listPage('Account', accountSchema, { top: 2, skip: 0 })).records.length, 2);
    const saved = await store.load();
    assert.notEqual(saved.refreshToken, creds.refreshToken, 'the refresh token was replaced');
    await assert.rejects(oauth.refresh(creds.refreshToken), (e: unknown) => e instanceof ConnectorError && e.code === 'MLC_ERR_RECONNECT_NEEDED');
    assert.throws(() => new AcumaticaOAuth(bootstrap.transport, { site, clientId: 'not-a-guid' }), /GUID/);
    await client.close();
  } finally {
    await h.stop();
  }
});
