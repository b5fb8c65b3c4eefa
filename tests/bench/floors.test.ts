import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dependencyFloor } from '../../src/bench/dependency-floor.ts';
import { publishedLimits, systemFloor } from '../../src/bench/floor.ts';
import { resolveLatency } from '../../src/bench/latency.ts';

/** The benchmark's floors and latency profiles, from the figures a run reports. */

test('each system latency comes from the profile, then --latency-ms, then the system flag', () => {
  assert.deepEqual(resolveLatency({ profile: 'loopback', perSystemMs: {} }), { xero: { baseMs: 25, perItemMs: 0 }, bill: { baseMs: 25, perItemMs: 0 } });
  const real = resolveLatency({ profile: 'real', latencyMs: 100, perSystemMs: { bill: 400 } });
  assert.equal(real.xero.baseMs, 100);
  assert.equal(real.bill.baseMs, 400);
  assert.ok(real.xero.perItemMs > 0 && real.bill.perItemMs > 0, 'the real profile makes bulk calls slower with their size');
});

test('the per-item latency held raises the concurrency floor', () => {
  const without = systemFloor(6, 300, publishedLimits.bill);
  const withItems = systemFloor(6, 300, publishedLimits.bill, 900);
  assert.equal(without.concurrencyMs, 600);
  assert.equal(withItems.concurrencyMs, 900);
});

test('the dependency floor chains the round trips the run made, each at its own system latency', () => {
  const latency = { xero: { baseMs: 300, perItemMs: 3 }, bill: { baseMs: 200, perItemMs: 5 } };
  const firstSync = dependencyFloor('first sync', {
    xero: { 'GET /api.xro/2.0/Invoices': 2, 'GET /api.xro/2.0/Contacts': 1 },
    bill: { 'POST /connect/v3/vendors/bulk': 2, 'POST /connect/v3/bills/bulk': 3, 'GET /connect/v3/payments': 1 },
  }, latency);
  assert.deepEqual(firstSync.roundTrips.map((t) => [t.system, t.ms]), [['xero', 300], ['bill', 205], ['bill', 205]]);
  assert.equal(firstSync.floorMs, 710);

  // Nothing posted to Xero: the post is not on this run's path.
  const nothingToPost = dependencyFloor('payments back', { xero: { 'GET /api.xro/2.0/Invoices': 1 }, bill: { 'GET /connect/v3/payments': 1 } }, latency);
  assert.equal(nothingToPost.roundTrips.length, 2);
  assert.equal(nothingToPost.floorMs, 500);

  assert.equal(dependencyFloor('replay', { xero: {}, bill: {} }, latency).floorMs, 0);
});
