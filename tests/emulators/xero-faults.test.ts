import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XeroClient, advance, control, openXero, sleepMs, tokenCall, waitFor } from './xero-helpers.ts';
import type { XeroEmulator } from '../../src/emulators/xero/index.ts';

async function withXero(fn: (em: XeroEmulator, c: XeroClient) => Promise<void>, opts = {}): Promise<void> {
  const { em, c } = await openXero({ seed: 41, ...opts });
  try {
    await fn(em, c);
  } finally {
    await em.stop();
  }
}

test('server_error and unavailable faults answer 500 and 503 in Xero shape at about the configured share', () =>
  withXero(async (em, c) => {
    await control(em, 'POST', '/faults', { seed: 9, serverErrorRate: 0.25, unavailableRate: 0.2 });
    const statuses: number[] = [];
    for (let i = 0; i < 120; i += 1) {
      if (i > 0 && i % 55 === 0) await advance(em, 60);
      const r = await c.get('/Organisation');
      statuses.push(r.status);
      if (r.status >= 500) {
        assert.equal(r.body.Status, r.status);
        assert.match(r.body.Instance, /^[0-9a-f-]{36}$/);
        assert.ok(r.headers.get('x-minlimit-remaining'), 'limit headers on faulted answers too');
      }
    }
    const e500 = statuses.filter((s) => s === 500).length;
    const e503 = statuses.filter((s) => s === 503).length;
    assert.equal(e500 + e503 + statuses.filter((s) => s === 200).length, 120);
    assert.ok(e500 >= 15 && e500 <= 50, `500 share ${e500}/120`);
    assert.ok(e503 >= 8 && e503 <= 40, `503 share ${e503}/120`);
    const stats = (await control(em, 'GET', '/stats')).body;
    assert.equal(stats.faultsInjected.server_error, e500);
    assert.equal(stats.faultsInjected.unavailable, e503);
  }));

test('drop loses the connection before processing: nothing is written', () =>
  withXero(async (em, c) => {
    await control(em, 'POST', '/faults', { dropRate: 1 });
    const before = em.state.primary.contacts.size;
    await assert.rejects(c.put('/Contacts', { Contacts: [{ Name: 'Dropped LLC' }] }));
    assert.equal(em.state.primary.contacts.size, before);
    assert.equal(em.ctx.stats.snapshot().inFlight[`xero:${em.tenantIds.primary}`], 0, 'the slot is released');
  }));

test('lost_response applies the write and loses the answer; an Idempotency-Key retry replays it without a duplicate', () =>
  withXero(async (em, c) => {
    await control(em, 'POST', '/faults', { lostResponseRate: 1 });
    const before = em.state.primary.contacts.size;
    const body = { Contacts: [{ Name: 'Lost Answer LLC' }] };
    await assert.rejects(c.put('/Contacts', body, { 'Idempotency-Key': 'lost-1' }));
    assert.equal(em.state.primary.contacts.size, before + 1, 'the write happened');
    await control(em, 'POST', '/faults', {});
    const retry = await c.put('/Contacts', body, { 'Idempotency-Key': 'lost-1' });
    assert.equal(retry.status, 200);
    assert.equal(retry.body.Contacts[0].Name, 'Lost Answer LLC');
    assert.equal(em.state.primary.contacts.size, before + 1, 'no duplicate');
    const naive = await c.put('/Contacts', body);
    assert.equal(naive.status, 400, 'a retry without the key hits the unique-name rule');
  }));

test('timeout hangs while holding the concurrency slot, then drops', () =>
  withXero(async (em, c) => {
    await control(em, 'POST', '/faults', { timeoutRate: 1, hangMs: 120 });
    const started = Date.now();
    await assert.rejects(c.get('/Organisation'));
    assert.ok(Date.now() - started >= 100);
    const stats = (await control(em, 'GET', '/stats')).body;
    assert.equal(stats.maxInFlight[`xero:${em.tenantIds.primary}`], 1);
    assert.equal(stats.faultsInjected.timeout, 1);
  }));

test('rate_limited faults answer 429 minute with Retry-After; expireAuthNow forces TokenExpired until refresh', () =>
  withXero(async (em, c) => {
    await control(em, 'POST', '/faults', { rateLimitBurst: 2 });
    for (let i = 0; i < 2; i += 1) {
      const r = await c.get('/Organisation');
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('x-rate-limit-problem'), 'minute');
      assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
    }
    assert.equal((await c.get('/Organisation')).status, 200);

    await control(em, 'POST', '/faults', { expireAuthNow: true });
    const expired = await c.get('/Organisation');
    assert.equal(expired.status, 401);
    assert.match(expired.body.Detail, /^TokenExpired/);
    assert.equal((await c.get('/Organisation')).status, 401, 'stays expired');
    const refreshed = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: c.refreshToken! });
    c.accessToken = refreshed.body.access_token;
    assert.equal((await c.get('/Organisation')).status, 200);
  }));

test('pathPattern limits faults to matching paths; control routes are never faulted', () =>
  withXero(async (em, c) => {
    await control(em, 'POST', '/faults', { serverErrorRate: 1, pathPattern: '/Invoices' });
    assert.equal((await c.get('/Organisation')).status, 200);
    assert.equal((await c.get('/Invoices')).status, 500);
    assert.equal((await control(em, 'GET', '/state')).status, 200);
  }));

test('hold applies the write at once and sends the answer holdMs later; calls sent meanwhile overtake it', () =>
  withXero(async (em, c) => {
    await control(em, 'POST', '/faults', { holdResponseRate: 1, holdMs: 600, pathPattern: '/Contacts', methods: ['PUT'] });
    const before = em.state.primary.contacts.size;
    const started = Date.now();
    let answeredAt = 0;
    const held = c.put('/Contacts', { Contacts: [{ Name: 'Held Answer LLC' }] }).then((r) => ((answeredAt = Date.now()), r));
    await waitFor(() => em.state.primary.contacts.size === before + 1, 2_000);
    assert.equal(answeredAt, 0, 'the write is visible before its answer arrives');
    // Another path is not faulted, and the held call holds no slot while its answer waits.
    const overtaking = await c.get('/Organisation');
    assert.equal(overtaking.status, 200);
    assert.equal(answeredAt, 0, 'a later call answered first');
    assert.equal(em.ctx.stats.snapshot().inFlight[`xero:${em.tenantIds.primary}`], 0);
    const r = await held;
    assert.equal(r.status, 200);
    assert.equal(r.body.Contacts[0].Name, 'Held Answer LLC');
    assert.ok(answeredAt - started >= 550, `held ${answeredAt - started} ms`);
    assert.equal(em.state.primary.contacts.size, before + 1);
    assert.equal((await control(em, 'GET', '/stats')).body.faultsInjected.hold, 1);
  }));

test('a script gives the next matching requests their faults in order, then the rates apply again', () =>
  withXero(async (em, c) => {
    const set = await control(em, 'POST', '/faults', {
      pathPattern: '/Contacts$',
      methods: ['PUT'],
      script: [{ fault: 'lost_response' }, { fault: 'hold', holdMs: 300 }, { fault: 'none' }, { fault: 'server_error' }],
    });
    assert.equal(set.status, 200);
    assert.equal(set.body.faults.script.length, 4);
    // Reads do not match the methods, so they use up no step.
    assert.equal((await c.get('/Contacts')).status, 200);
    const put = (name: string) => c.put('/Contacts', { Contacts: [{ Name: name }] });
    await assert.rejects(put('Scripted One'), 'first: answer lost');
    const started = Date.now();
    const second = await put('Scripted Two');
    assert.equal(second.status, 200);
    assert.ok(Date.now() - started >= 250, 'second: held');
    assert.equal((await put('Scripted Three')).status, 200, 'third: none');
    assert.equal((await put('Scripted Four')).status, 500, 'fourth: server error');
    assert.deepEqual((await control(em, 'GET', '/faults')).body.faults.script, [], 'the script is used up');
    assert.equal((await put('Scripted Five')).status, 200, 'no rates: unfaulted from here');
    const names = new Set([...em.state.primary.contacts.values()].map((x) => x.Name));
    for (const n of ['Scripted One', 'Scripted Two', 'Scripted Three', 'Scripted Five']) assert.ok(names.has(n), n);
    assert.ok(!names.has('Scripted Four'));
    const stats = (await control(em, 'GET', '/stats')).body.faultsInjected;
    assert.deepEqual([stats.lost_response, stats.hold, stats.server_error], [1, 1, 1]);
    assert.equal((await control(em, 'POST', '/faults', { script: [{ fault: 'explode' }] })).status, 400);
    assert.equal((await control(em, 'POST', '/faults', { script: [{ fault: 'hold', holdMs: -1 }] })).status, 400);
  }));

test('late_write cuts the connection at once and applies the write lateMs later; an Idempotency-Key retry in between makes it land once', () =>
  withXero(async (em, c) => {
    await control(em, 'POST', '/faults', { pathPattern: '/Contacts$', script: [{ fault: 'late_write', lateMs: 1_200 }, { fault: 'late_write', lateMs: 1_200 }] });
    const before = em.state.primary.contacts.size;
    const named = (name: string) => [...em.state.primary.contacts.values()].filter((x) => x.Name === name).length;
    await assert.rejects(c.put('/Contacts', { Contacts: [{ Name: 'Late Writer LLC' }] }), 'the client sees a lost answer');
    assert.equal(named('Late Writer LLC'), 0, 'not written yet when the client gives up');
    await waitFor(() => named('Late Writer LLC') === 1, 5_000);
    assert.equal(em.state.primary.contacts.size, before + 1);

    const body = { Contacts: [{ Name: 'Late Keyed LLC' }] };
    await assert.rejects(c.put('/Contacts', body, { 'Idempotency-Key': 'late-1' }));
    const retry = await c.put('/Contacts', body, { 'Idempotency-Key': 'late-1' });
    assert.equal(retry.status, 200, 'the retry is processed first');
    assert.equal(named('Late Keyed LLC'), 1);
    await sleepMs(1_500);
    assert.equal(named('Late Keyed LLC'), 1, 'the late copy replays the key instead of writing again');
    assert.equal((await control(em, 'GET', '/stats')).body.faultsInjected.late_write, 2);
  }));
