import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../src/core/errors.ts';
import { accountSchema } from '../../src/systems/acumatica/schema.ts';
import { startAcumaticaHarness } from './acumatica-harness.ts';

const LOGIN = 'POST /entity/auth/login';
const LOGOUT = 'POST /entity/auth/logout';

test('Acumatica: one cookie sign-in serves many calls, the session is reused by a second client and signed out on close', async () => {
  const h = await startAcumaticaHarness({ seed: 3 });
  try {
    const client = h.client();
    const pages = await Promise.all(Array.from({ length: 6 }, () => client.listPage('Account', accountSchema, { top: 5, skip: 0 })));
    assert.ok(pages.every((p) => p.records.length === 5 && p.records[0]!.AccountCD));
    const stored = (await h.store.load()).session;
    assert.ok(stored?.cookie.includes('.ASPXAUTH='), 'the session cookie is kept in the store');
    const other = h.client();
    await other.listPage('Account', accountSchema, { top: 1, skip: 0 });
    assert.equal((await h.calls())[LOGIN], 1, 'the second client reused the stored session');
    await client.close();
    assert.equal((await h.store.load()).session, undefined, 'the session is forgotten once signed out');
    assert.equal((await h.calls())[LOGOUT], 1);
    assert.equal(((await h.control('state')) as { liveSessions: number }).liveSessions, 0, 'the licence seat is free again');
    assert.ok(!h.logs.text().includes(stored!.cookie.split('=')[1]!.split(';')[0]!), 'the cookie never reaches the logs');
  } finally {
    await h.stop();
  }
});

test('Acumatica: a session ended on the server is renewed once on the 401 and the call repeated', async () => {
  const h = await startAcumaticaHarness({ seed: 4 });
  try {
    const client = h.client();
    await client.listPage('Account', accountSchema, { top: 1, skip: 0 });
    const first = (await h.store.load()).session!.cookie;
    await h.control('sessions/expire', {});
    const again = await Promise.all(Array.from({ length: 4 }, () => client.listPage('Account', accountSchema, { top: 2, skip: 0 })));
    assert.ok(again.every((p) => p.records.length === 2));
    assert.equal((await h.calls())[LOGIN], 2, 'four calls saw the 401, one sign-in replaced the session');
    assert.notEqual((await h.store.load()).session!.cookie, first);
    await client.close();
  } finally {
    await h.stop();
  }
});

test('Acumatica: sessions left signed in fill the licence; the next sign-in is refused as a licence limit, not retried, and a close frees a seat', async () => {
  const h = await startAcumaticaHarness({ seed: 5, apiUsers: 2 });
  try {
    const login = () =>
      fetch(h.emu.urls.login, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: h.emu.sandbox.name, password: h.emu.sandbox.password, tenant: h.emu.sandbox.tenant }) });
    const holder = h.client();
    await holder.listPage('Account', accountSchema, { top: 1, skip: 0 });
    assert.equal((await login()).status, 204, 'another integration takes the second seat and never signs out');
    const { MemoryCredentialStore } = await import('../../src/systems/memory-credential-store.ts');
    const fresh = new MemoryCredentialStore({ ...(await h.store.load()), session: undefined });
    const blocked = h.client({ auth: { kind: 'cookie', store: fresh } });
    await assert.rejects(blocked.listPage('Account', accountSchema, { top: 1, skip: 0 }), (e: unknown) => {
      assert.ok(e instanceof ConnectorError);
      assert.equal(e.code, 'MLC_ERR_RATE_LIMITED');
      assert.equal(e.vendorCode, 'ApiLoginLimit');
      assert.ok((e.retryAfterMs ?? 0) >= 60_000);
      return true;
    });
    assert.equal((await h.calls())[LOGIN], 3, 'the refused sign-in was not repeated');
    await holder.close();
    await blocked.listPage('Account', accountSchema, { top: 1, skip: 0 });
    await blocked.close();
  } finally {
    await h.stop();
  }
});

test('Acumatica: a wrong password fails as bad credentials naming the reconnect command, without retries', async () => {
  const h = await startAcumaticaHarness({ seed: 6 });
  try {
    await h.store.update(async (c) => ({ ...c, password: 'not-the-password' }));
    await assert.rejects(h.client().listPage('Account', accountSchema, { top: 1, skip: 0 }), (e: unknown) => {
      assert.ok(e instanceof ConnectorError);
      assert.equal(e.code, 'MLC_ERR_BAD_CREDENTIALS');
      assert.match(e.message, /ml-connector connect acumatica/);
      assert.ok(!e.message.includes('not-the-password'));
      return true;
    });
    assert.equal((await h.calls())[LOGIN], 1);
  } finally {
    await h.stop();
  }
});

test('Acumatica: an endpoint version the instance does not serve fails before any sign-in, naming the versions it offers', async () => {
  const h = await startAcumaticaHarness({ seed: 7, versions: ['23.200.001', '25.200.001'] });
  try {
    await assert.rejects(h.client().listPage('Account', accountSchema, { top: 1, skip: 0 }), (e: unknown) => {
      assert.ok(e instanceof ConnectorError);
      assert.equal(e.code, 'MLC_ERR_CONFIG');
      assert.match(e.message, /Default\/24\.200\.001/);
      assert.match(e.message, /Default\/23\.200\.001, Default\/25\.200\.001/);
      return true;
    });
    assert.equal((await h.calls())[LOGIN] ?? 0, 0, 'no licence seat was taken');
  } finally {
    await h.stop();
  }
});

test('Acumatica: the connection check names the versions, branches and counts it found, then signs out', async () => {
  const h = await startAcumaticaHarness({ seed: 8, versions: ['24.200.001', '25.200.001'], initialSeed: { vendors: 9, bills: 15 } });
  try {
    const { pingAcumatica } = await import('../../src/systems/acumatica/ping.ts');
    const client = h.client();
    const found = await pingAcumatica(client);
    assert.deepEqual(found.versions, ['24.200.001', '25.200.001']);
    assert.equal(found.endpoint, 'Default/24.200.001');
    assert.ok(found.branches.some((b) => b.id === 'HQ'), JSON.stringify(found.branches));
    assert.equal(found.vendors, 9);
    assert.ok(found.openBills > 0 && found.openBills < 15);
    assert.ok(found.accounts > 10);
    await client.close();
    assert.equal(((await h.control('state')) as { liveSessions: number }).liveSessions, 0);
  } finally {
    await h.stop();
  }
});

test('Acumatica: by its own idle clock the client keeps the session up to 21 minutes and signs in afresh after, before calling', async () => {
  const h = await startAcumaticaHarness({ seed: 9 });
  try {
    let now = Date.now();
    const client = h.client({ clock: { now: () => now } });
    await client.listPage('Account', accountSchema, { top: 1, skip: 0 });
    now += 20 * 60_000;
    await client.listPage('Account', accountSchema, { top: 1, skip: 0 });
    assert.equal((await h.calls())[LOGIN], 1, 'twenty idle minutes: the session is still used');
    now += 22 * 60_000;
    await h.control('clock', { advanceSeconds: 22 * 60 });
    await client.listPage('Account', accountSchema, { top: 1, skip: 0 });
    const calls = await h.calls();
    assert.equal(calls[LOGIN], 2);
    assert.equal(calls['GET /entity/Default/24.200.001/Account'], 3, 'no call was spent on the dead session');
    await client.close();
  } finally {
    await h.stop();
  }
});
