import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBillEmulator } from '../../src/emulators/bill/index.ts';
import { Client, control, errorCodes, sleepMs, waitFor } from './bill-helpers.ts';

test('injected 500s come back as BDC_1001 arrays in the configured share, reproducibly from the seed', async () => {
  const pattern = async () => {
    const bill = await startBillEmulator({ seed: 91, initialSeed: { vendors: 1, bills: 0 } });
    try {
      const c = await Client.open(bill);
      await control(bill, 'POST', '/faults', { seed: 3, serverErrorRate: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i += 1) {
        const res = await c.get('/vendors');
        statuses.push(res.status);
        if (res.status === 500) {
          assert.deepEqual(errorCodes(res), ['BDC_1001']);
          assert.equal(res.body[0].category, 'SERVER');
        }
      }
      const injected = (await control(bill, 'GET', '/stats')).body.faultsInjected.server_error;
      assert.equal(statuses.filter((s) => s === 500).length, injected);
      return statuses;
    } finally {
      await bill.stop();
    }
  };
  const first = await pattern();
  const errors = first.filter((s) => s === 500).length;
  assert.ok(errors >= 10 && errors <= 30, `about half failed (${errors}/40)`);
  assert.deepEqual(await pattern(), first, 'same seed, same faults');
});

test('503, dropped connections and lost responses', async () => {
  const bill = await startBillEmulator({ seed: 92, initialSeed: { vendors: 1, bills: 0 } });
  try {
    const c = await Client.open(bill);
    await control(bill, 'POST', '/faults', { unavailableRate: 1 });
    const unavailable = await c.get('/vendors');
    assert.equal(unavailable.status, 503);
    assert.deepEqual(errorCodes(unavailable), ['BDC_1001']);

    await control(bill, 'POST', '/faults', { dropRate: 1 });
    await assert.rejects(c.get('/vendors'), TypeError, 'the connection is dropped');

    // A lost response: the write is applied, the answer never arrives.
    await control(bill, 'POST', '/faults', { lostResponseRate: 1, pathPattern: '/vendors' });
    await assert.rejects(c.post('/vendors', { name: 'Ghost Writer Supplies' }), TypeError);
    await control(bill, 'POST', '/faults', {});
    const found = await c.get(`/vendors?filters=${encodeURIComponent('name:eq:"Ghost Writer Supplies"')}`);
    assert.equal(found.body.results.length, 1, 'the vendor was created although the client saw an error');
    const stats = (await control(bill, 'GET', '/stats')).body;
    assert.equal(stats.faultsInjected.drop, 1);
    assert.equal(stats.faultsInjected.lost_response, 1);
  } finally {
    await bill.stop();
  }
});

test('unknown, miscased and unsupported paths are 404 BDC_1121 on both bases', async () => {
  const bill = await startBillEmulator({ seed: 93 });
  try {
    const c = await Client.open(bill);
    for (const path of ['/Vendors', '/vendors/', '/purchase-orders', '/purchaseorders/123', '/bills/abc/approve']) {
      const res = await c.get(path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(errorCodes(res), ['BDC_1121'], path);
      assert.equal(res.body[0].message, 'API not supported.');
    }
    assert.deepEqual(errorCodes(await c.post('/purchase-orders', { vendorId: 'x' })), ['BDC_1121']);
    assert.deepEqual(errorCodes(await c.get('/Subscriptions', { events: true })), ['BDC_1121']);
    const outside = await fetch(`${bill.urls.base}/connect/v2/Login.json`);
    assert.equal(outside.status, 404);
    const malformed = await fetch(`${bill.urls.api}/vendors`, {
      method: 'POST',
      headers: { devKey: c.creds.devKey, sessionId: c.creds.sessionId, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    assert.equal(malformed.status, 400);
    assert.deepEqual(((await malformed.json()) as { code: string }[]).map((e) => e.code), ['BDC_1002']);
  } finally {
    await bill.stop();
  }
});

test('the same seed gives the same organisation and the same ids; another seed does not', async () => {
  const run = async (seed: number) => {
    const bill = await startBillEmulator({ seed, initialSeed: { vendors: 6, bills: 9 } });
    try {
      const c = await Client.open(bill);
      const v = await c.post('/vendors', { name: 'Deterministic Co' });
      const state = (await control(bill, 'GET', '/state')).body;
      // Records made after the seed carry the clock's time; everything else must match exactly.
      for (const o of state.organizations) {
        for (const list of [o.vendors, o.bills]) for (const r of list) if (r.id === v.body.id) delete r.createdTime, delete r.updatedTime, delete r.balance;
      }
      return { state, vendorId: v.body.id as string, orgId: bill.sandbox.organizationId };
    } finally {
      await bill.stop();
    }
  };
  const a = await run(1234);
  const b = await run(1234);
  const other = await run(1235);
  assert.deepEqual(a.state, b.state);
  assert.equal(a.vendorId, b.vendorId);
  assert.match(a.orgId, /^008/);
  assert.notEqual(other.orgId, a.orgId);
  assert.notDeepEqual(other.state, a.state);
});

test('POST /_emulator/seed replaces the world; a second organisation is isolated from the first', async () => {
  const bill = await startBillEmulator({ seed: 94 });
  try {
    const seeded = await control(bill, 'POST', '/seed', { seed: 7, vendors: 4, bills: 6, accounts: 10, departments: 2 });
    assert.equal(seeded.status, 200);
    assert.equal(seeded.body.organizationId, bill.sandbox.organizationId, 'the sandbox follows the seed');
    assert.deepEqual([seeded.body.vendors, seeded.body.bills, seeded.body.accounts, seeded.body.departments], [4, 6, 10, 2]);
    assert.equal(bill.seed({ seed: 7, vendors: 4, bills: 6, accounts: 10, departments: 2 }).organizationId, seeded.body.organizationId);
    assert.equal((await control(bill, 'POST', '/seed', { vendors: -1 })).status, 400);

    const second = await control(bill, 'POST', '/organizations', { name: 'Second Org', vendors: 2, bills: 1 });
    assert.equal(second.status, 200);
    const one = await Client.open(bill);
    const two = await Client.open(bill, { organizationId: second.body.organizationId });
    const v1 = (await one.get('/vendors?max=100')).body.results;
    const v2 = (await two.get('/vendors?max=100')).body.results;
    assert.equal(v1.length, 4);
    assert.equal(v2.length, 2);
    assert.deepEqual(errorCodes(await two.get(`/vendors/${v1[0].id}`)), ['BDC_1205'], 'another organisation’s vendor is not visible');
    const b1 = (await one.get('/bills?max=1')).body.results[0];
    assert.equal((await two.post('/bills', { vendorId: v1[0].id, dueDate: '2026-12-31', invoice: { invoiceNumber: 'X', invoiceDate: '2026-12-01' }, billLineItems: [{ amount: 1 }] })).status, 400);
    assert.deepEqual(errorCodes(await two.get(`/bills/${b1.id}`)), ['BDC_1205']);
    const state = (await control(bill, 'GET', '/state')).body;
    assert.equal(state.organizations.length, 2);
  } finally {
    await bill.stop();
  }
});

test('a script on /vendors/bulk: the first answer is cut off and the next two are held back, every write lands at once', async () => {
  const bill = await startBillEmulator({ seed: 95, initialSeed: { vendors: 0, bills: 0 } });
  try {
    const c = await Client.open(bill);
    const set = await control(bill, 'POST', '/faults', { pathPattern: '/vendors/bulk', script: [{ fault: 'lost_response' }, { fault: 'hold', holdMs: 800 }, { fault: 'hold', holdMs: 800 }] });
    assert.equal(set.body.faults.script.length, 3);
    const chunk = (k: number) => [0, 1].map((i) => ({ name: `Chunk ${k} Vendor ${i}` }));
    await assert.rejects(c.post('/vendors/bulk', chunk(1)), TypeError, 'the first answer is lost');
    const started = Date.now();
    let answered = 0;
    const held = [2, 3].map((k) => c.post('/vendors/bulk', chunk(k)).then((r) => ((answered += 1), r)));
    const orgId = bill.sandbox.organizationId;
    await waitFor(() => bill.state.org(orgId)!.vendors.size === 6, 2_000, 'all six vendors written');
    // Three reads side by side while two answers are held: the held calls hold no slot of the 3.
    const reads = await Promise.all([0, 1, 2].map(() => c.get('/vendors?max=100')));
    assert.deepEqual(reads.map((r) => r.status), [200, 200, 200]);
    assert.equal(reads[0]!.body.results.length, 6);
    assert.equal(answered, 0, 'the held answers are still on their way');
    const answers = await Promise.all(held);
    assert.ok(Date.now() - started >= 750, `held ${Date.now() - started} ms`);
    assert.deepEqual(answers.map((r) => r.status), [201, 201]);
    assert.deepEqual(answers.map((r) => r.body.vendors.length), [2, 2]);
    assert.deepEqual((await control(bill, 'GET', '/faults')).body.faults.script, []);
    assert.equal((await c.post('/vendors/bulk', chunk(4))).status, 201, 'unfaulted once the script is used up');
    const stats = (await control(bill, 'GET', '/stats')).body;
    assert.deepEqual([stats.faultsInjected.lost_response, stats.faultsInjected.hold], [1, 2]);
    assert.equal(stats.limitViolations, 0);
    assert.equal(stats.rejections['bill.concurrent'] ?? 0, 0);
  } finally {
    await bill.stop();
  }
});

test('late_write: the client loses the connection at once and the write reaches BILL lateMs later; methods limit the faults', async () => {
  const bill = await startBillEmulator({ seed: 96, initialSeed: { vendors: 0, bills: 0 } });
  try {
    const c = await Client.open(bill);
    await control(bill, 'POST', '/faults', { lateWriteRate: 1, lateMs: 1_200, pathPattern: '/vendors', methods: ['POST'] });
    const named = (name: string) => [...bill.state.org(bill.sandbox.organizationId)!.vendors.values()].filter((v) => v.name === name).length;
    await assert.rejects(c.post('/vendors', { name: 'Late Lander Supplies' }), TypeError, 'the client sees a lost answer');
    assert.equal(named('Late Lander Supplies'), 0, 'nothing written when the client gives up');
    assert.equal((await c.get('/vendors')).status, 200, 'a GET does not match the methods');
    await waitFor(() => named('Late Lander Supplies') === 1, 5_000, 'the late write');
    await sleepMs(300);
    assert.equal(named('Late Lander Supplies'), 1, 'written once');
    const stats = (await control(bill, 'GET', '/stats')).body;
    assert.equal(stats.faultsInjected.late_write, 1);
    assert.equal(stats.callsByEndpoint['POST /connect/v3/vendors'], 1);
  } finally {
    await bill.stop();
  }
});
