import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../src/core/errors.ts';
import { xeroSpec } from '../../src/systems/xero/spec.ts';
import { callsTo, startXeroHarness, totalRejections } from './xero-harness.ts';

test('Xero limits: 20 parallel calls with latency keep ≤5 in flight and draw no 429', async () => {
  const h = await startXeroHarness({ seed: 51, latencyMs: 60 });
  try {
    const xero = h.client({ timers: undefined });
    const tenant = xero.forTenant(h.tenantId);
    await tenant.getOrganisation();
    await h.resetStats();
    await Promise.all(Array.from({ length: 20 }, () => tenant.listTrackingCategories()));
    const stats = await h.stats();
    const inFlight = Object.values(stats.maxInFlight);
    assert.ok(inFlight.length > 0 && Math.max(...inFlight) <= 5, JSON.stringify(stats.maxInFlight));
    assert.equal(Math.max(...inFlight), 5, 'the cap is used, not undershot');
    assert.equal(totalRejections(stats), 0);
    assert.equal(stats.limitViolations, 0);
    assert.equal(xero.metrics.retries, 0);
    assert.ok(xero.metrics.inFlightMax <= 5);
  } finally {
    await h.stop();
  }
});

test('Xero limits: more than a minute of calls is paced under 60/min without a single 429', async () => {
  const h = await startXeroHarness({ seed: 52 });
  try {
    // The limiter runs on the emulator's clock: when it must wait, it moves that clock forward.
    const xero = h.client({ limiterTimers: h.emulatorLimiterTimers });
    const tenant = xero.forTenant(h.tenantId);
    await h.resetStats();
    const start = h.emu.ctx.clock.now();
    for (let i = 0; i < 130; i += 1) await tenant.listTrackingCategories();
    const stats = await h.stats();
    assert.equal(callsTo(stats, /TrackingCategories/), 130);
    assert.equal(totalRejections(stats), 0);
    const budget = xeroSpec.limits.windows.find((w) => w.name === 'minute')!.budget;
    assert.ok(h.emu.ctx.clock.now() - start >= 2 * 60_000, 'two waits of about a minute each');
    assert.ok(xero.metrics.limiter!.windowWaits >= Math.floor(130 / budget));
  } finally {
    await h.stop();
  }
});

test('Xero limits: an injected 429 burst is retried after the Retry-After the emulator sent', async () => {
  const h = await startXeroHarness({ seed: 53 });
  try {
    const xero = h.client();
    const tenant = xero.forTenant(h.tenantId);
    await tenant.getOrganisation();
    const probe = await fetch(`${h.urls.api}/Organisation`, {
      headers: { authorization: `Bearer ${await xero.tokens.accessToken()}`, 'xero-tenant-id': h.tenantId, accept: 'application/json' },
    });
    assert.equal(probe.status, 200);
    await h.faults({ rateLimitBurst: 2 });
    const raw = await fetch(`${h.urls.api}/Organisation`, {
      headers: { authorization: `Bearer ${await xero.tokens.accessToken()}`, 'xero-tenant-id': h.tenantId, accept: 'application/json' },
    });
    assert.equal(raw.status, 429);
    const retryAfter = Number(raw.headers.get('retry-after'));
    assert.ok(retryAfter > 0, 'the emulator sends Retry-After on a minute-limit 429');
    h.waits.length = 0;
    const org = await tenant.getOrganisation();
    assert.ok(org.Name);
    assert.equal(h.waits.length, 1);
    assert.ok(h.waits[0]! >= 1000, `waited ${h.waits[0]} ms as the service asked`);
    assert.equal(xero.metrics.rejections.rate_limited, 1);
  } finally {
    await h.stop();
  }
});

test('Xero limits: a spent day allowance parks the tenant with the reset time instead of calling', async () => {
  const h = await startXeroHarness({ seed: 54 });
  try {
    const limits = {
      ...xeroSpec.limits,
      windows: xeroSpec.limits.windows.map((w) => (w.name === 'day' ? { ...w, budget: 3 } : w)),
    };
    const xero = h.client({ limits });
    const tenant = xero.forTenant(h.tenantId);
    for (let i = 0; i < 3; i += 1) await tenant.listTrackingCategories();
    await h.resetStats();
    await assert.rejects(tenant.listTrackingCategories(), (e: unknown) => {
      assert.ok(e instanceof ConnectorError);
      assert.equal(e.code, 'MLC_ERR_DAILY_LIMIT');
      assert.equal(e.kind, 'rate_limited');
      assert.ok(e.retryAfterMs! > 23 * 3_600_000);
      return true;
    });
    assert.equal((await h.stats()).totalCalls, 0, 'refused locally, nothing sent');
    const other = h.tenants[1];
    if (other) await xero.forTenant(other.tenantId).listTrackingCategories();
  } finally {
    await h.stop();
  }
});
