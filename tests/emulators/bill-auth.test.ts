import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBillEmulator, type BillEmulator } from '../../src/emulators/bill/index.ts';
import { Client, advance, control, errorCodes, login, toRes } from './bill-helpers.ts';

describe('BILL emulator: login and sessions', () => {
  let bill: BillEmulator;
  before(async () => {
    bill = await startBillEmulator({ seed: 11, devKeys: ['second-devkey'] });
  });
  after(() => bill.stop());

  test('login returns organizationId, sessionId, trusted and userId with BILL id prefixes', async () => {
    const res = await login(bill);
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ['organizationId', 'sessionId', 'trusted', 'userId']);
    assert.equal(res.body.organizationId, bill.sandbox.organizationId);
    assert.match(res.body.organizationId, /^008/);
    assert.match(res.body.userId, /^006/);
    assert.equal(res.body.trusted, false);
    assert.equal(bill.sandbox.devKey, 'mlc-sandbox-devkey');
    assert.equal(bill.sandbox.username, 'ap@example.com');
  });

  test('wrong password, user or organisation is BDC_1101; an unknown devKey is BDC_1102', async () => {
    for (const bad of [{ password: 'nope' }, { username: 'someone@example.com' }, { organizationId: '00801AAAAAAAAAAAAAAA' }]) {
      const res = await login(bill, bad);
      assert.equal(res.status, 401);
      assert.deepEqual(errorCodes(res), ['BDC_1101']);
      assert.equal(res.body[0].message, 'User name and/or password do not match our records.');
    }
    const res = await login(bill, { devKey: 'not-a-key' });
    assert.deepEqual(errorCodes(res), ['BDC_1102']);
  });

  test('a session is reused across calls and describes itself', async () => {
    const c = await Client.open(bill);
    for (let i = 0; i < 3; i += 1) assert.equal((await c.get('/vendors')).status, 200);
    const s = await c.get('/login/session');
    assert.equal(s.status, 200);
    assert.equal(s.body.organizationId, bill.sandbox.organizationId);
    assert.match(s.body.userId, /^006/);
  });

  test('35 idle minutes end a session; every call slides the timer', async () => {
    const c = await Client.open(bill);
    await advance(bill, 34 * 60);
    assert.equal((await c.get('/vendors')).status, 200);
    await advance(bill, 34 * 60);
    assert.equal((await c.get('/vendors')).status, 200, 'activity 34 minutes ago keeps the session');
    await advance(bill, 35 * 60 + 1);
    const res = await c.get('/vendors');
    assert.equal(res.status, 401);
    assert.deepEqual(errorCodes(res), ['BDC_1109']);
    assert.equal(res.body[0].message, 'Session is invalid.  Please log in.');
    assert.equal((await Client.open(bill).then((n) => n.get('/vendors'))).status, 200, 'a new login works');
  });

  test('logout, unknown sessions and a devKey that did not open the session all get 401 BDC_1109', async () => {
    const c = await Client.open(bill);
    const out = await c.post('/logout');
    assert.equal(out.status, 200);
    assert.equal(out.body, '');
    const after = await c.get('/vendors');
    assert.equal(after.status, 401);
    assert.deepEqual(errorCodes(after), ['BDC_1109']);

    const unknown = new Client(bill, { ...c.creds, sessionId: 'no-such-session' });
    assert.deepEqual(errorCodes(await unknown.get('/bills')), ['BDC_1109']);

    const fresh = await Client.open(bill);
    const otherKey = new Client(bill, { ...fresh.creds, devKey: 'second-devkey' });
    const res = await otherKey.get('/bills');
    assert.equal(res.status, 401);
    assert.deepEqual(errorCodes(res), ['BDC_1109']);

    const noKey = await fetch(`${bill.urls.api}/bills`, { headers: { sessionId: fresh.creds.sessionId } });
    assert.equal(noKey.status, 401);
    assert.deepEqual(errorCodes(await toRes(noKey)), ['BDC_1102']);
  });

  test('an injected forced expiry invalidates every session at once', async () => {
    const a = await Client.open(bill);
    const b = await Client.open(bill);
    await control(bill, 'POST', '/faults', { expireAuthNow: true });
    assert.deepEqual(errorCodes(await a.get('/vendors')), ['BDC_1109']);
    assert.deepEqual(errorCodes(await b.get('/vendors')), ['BDC_1109']);
    await control(bill, 'POST', '/faults', {});
  });
});

describe('BILL emulator: login limit', () => {
  test('200 logins per devKey per rolling hour, then BDC_1144 until the hour has rolled', async () => {
    const bill = await startBillEmulator({ seed: 12 });
    try {
      for (let i = 0; i < 200; i += 1) assert.equal((await login(bill)).status, 200, `login ${i + 1}`);
      const refused = await login(bill);
      assert.equal(refused.status, 400, 'default status for BDC_1144 is 400');
      assert.deepEqual(errorCodes(refused), ['BDC_1144']);
      assert.equal(refused.headers.get('retry-after'), null);
      const stats = (await control(bill, 'GET', '/stats')).body;
      assert.equal(stats.rejections['bill.login'], 1);
      await advance(bill, 30 * 60);
      assert.deepEqual(errorCodes(await login(bill)), ['BDC_1144'], 'still inside the rolling hour');
      await advance(bill, 30 * 60 + 1);
      assert.equal((await login(bill)).status, 200);
    } finally {
      await bill.stop();
    }
  });
});
