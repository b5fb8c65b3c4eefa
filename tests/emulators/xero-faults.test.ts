import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XeroClient, advance, control, openXero, tokenCall } from './xero-helpers.ts';
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
