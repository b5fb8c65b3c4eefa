import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBillEmulator } from '../../src/emulators/bill/index.ts';
import { Client, advance, control, errorCodes, sleepMs } from './bill-helpers.ts';

test('50 concurrent clients: never more than 3 in flight per organisation, every refusal is BDC_1322 and counted', async () => {
  const bill = await startBillEmulator({ seed: 21, latencyMs: 25 });
  try {
    const c = await Client.open(bill);
    await control(bill, 'POST', '/stats/reset');
    let refusals = 0;
    let successes = 0;
    const worker = async (n: number) => {
      for (let done = 0; done < 2; ) {
        const res = await c.get('/vendors?max=1');
        if (res.status === 200) {
          successes += 1;
          done += 1;
          continue;
        }
        assert.equal(res.status, 400);
        assert.deepEqual(errorCodes(res), ['BDC_1322']);
        assert.equal(res.body[0].message, 'Max number of concurrent requests per organization reached.');
        assert.equal(res.headers.get('retry-after'), null, 'BILL sends no Retry-After');
        refusals += 1;
        await sleepMs(5 + ((n * 7) % 20));
      }
    };
    await Promise.all(Array.from({ length: 50 }, (_, n) => worker(n)));
    const stats = (await control(bill, 'GET', '/stats')).body;
    const scope = `bill:${bill.sandbox.organizationId}`;
    assert.equal(successes, 100);
    assert.ok(refusals > 0, 'the gate refused some requests');
    assert.equal(stats.maxInFlight[scope], 3);
    assert.equal(stats.rejections['bill.concurrent'], refusals);
    assert.equal(stats.limitViolations, 0);
    assert.equal(stats.callsByEndpoint['GET /connect/v3/vendors'], successes + refusals);
  } finally {
    await bill.stop();
  }
});

test('the concurrency gate is per organisation: two organisations run 3 requests each at once', async () => {
  const bill = await startBillEmulator({ seed: 22, latencyMs: 60 });
  try {
    const second = bill.addOrganization({ vendors: 1, bills: 0 });
    const a = await Client.open(bill);
    const b = await Client.open(bill, { organizationId: second.organizationId });
    const results = await Promise.all([...Array.from({ length: 3 }, () => a.get('/vendors')), ...Array.from({ length: 3 }, () => b.get('/vendors'))]);
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
    const stats = (await control(bill, 'GET', '/stats')).body;
    assert.equal(stats.maxInFlight[`bill:${bill.sandbox.organizationId}`], 3);
    assert.equal(stats.maxInFlight[`bill:${second.organizationId}`], 3);
    assert.equal(stats.rejections['bill.concurrent'] ?? 0, 0);
  } finally {
    await bill.stop();
  }
});

test('hourly allowance (hourlyLimit option) refuses with BDC_1144 until the next clock hour; status is configurable', async () => {
  const bill = await startBillEmulator({ seed: 23, hourlyLimit: 5, rateLimitStatus: 429 });
  try {
    // Move to the start of an hour so the window cannot roll over during the test.
    const now = Date.parse((await control(bill, 'GET', '/clock')).body.now);
    await advance(bill, (3_600_000 - (now % 3_600_000)) / 1000 + 1);
    const c = await Client.open(bill); // the login is request 1 of 5
    for (let i = 0; i < 4; i += 1) assert.equal((await c.get('/bills')).status, 200);
    const refused = await c.get('/bills');
    assert.equal(refused.status, 429);
    assert.deepEqual(errorCodes(refused), ['BDC_1144']);
    assert.match(refused.body[0].message, /Max number of allowed requests per hour reached: 5/);
    assert.equal(refused.headers.get('retry-after'), null);
    assert.equal((await control(bill, 'GET', '/stats')).body.rejections['bill.hourly'], 1);
    // Refused calls still pass authentication, so they keep the session alive meanwhile.
    await advance(bill, 30 * 60);
    assert.deepEqual(errorCodes(await c.get('/bills')), ['BDC_1144']);
    await advance(bill, 29 * 60);
    assert.deepEqual(errorCodes(await c.get('/bills')), ['BDC_1144']);
    await advance(bill, 60);
    assert.equal((await c.get('/bills')).status, 200, 'a new clock hour starts a new allowance');
  } finally {
    await bill.stop();
  }
});

test('BDC_1322 from an injected burst: 400 on the AP base by default, 429 on the events base, never a Retry-After', async () => {
  const bill = await startBillEmulator({ seed: 24 });
  try {
    const c = await Client.open(bill);
    await control(bill, 'POST', '/faults', { rateLimitBurst: 2 });
    const api = await c.get('/vendors');
    const events = await c.get('/subscriptions', { events: true });
    const ok = await c.get('/vendors');
    assert.equal(api.status, 400);
    assert.equal(events.status, 429, '[BD:webhook-api-error-responses] documents 429 for the webhook API');
    assert.deepEqual(errorCodes(api), ['BDC_1322']);
    assert.deepEqual(errorCodes(events), ['BDC_1322']);
    assert.equal(api.headers.get('retry-after'), null);
    assert.equal(events.headers.get('retry-after'), null);
    assert.equal(ok.status, 200);
    assert.equal((await control(bill, 'GET', '/stats')).body.faultsInjected.rate_limited, 2);
  } finally {
    await bill.stop();
  }
});
