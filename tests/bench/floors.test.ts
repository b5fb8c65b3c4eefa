import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dependencyFloor } from '../../src/bench/dependency-floor.ts';
import { publishedLimits, systemFloor } from '../../src/bench/floor.ts';
import { resolveLatency } from '../../src/bench/latency.ts';

/** The benchmark's floors and latency profiles, from the figures a run reports. */

test('each system latency comes from the profile, then --latency-ms, then the system flag', () => {
  assert.deepEqual(resolveLatency({ profile: 'loopback', perSystemMs: {} }), { xero: { baseMs: 25, perItemMs: 0 }, acumatica: { baseMs: 25, perItemMs: 0 }, qbo: { baseMs: 25, perItemMs: 0 }, bill: { baseMs: 25, perItemMs: 0 } });
  const real = resolveLatency({ profile: 'real', latencyMs: 100, perSystemMs: { bill: 400 } });
  assert.equal(real.xero.baseMs, 100);
  assert.equal(real.acumatica.baseMs, 100);
  assert.equal(real.bill.baseMs, 400);
  assert.ok(real.xero.perItemMs > 0 && real.bill.perItemMs > 0, 'the real profile makes bulk calls slower with their size');
  const acumatica = resolveLatency({ profile: 'real', perSystemMs: { acumatica: 800 } });
  assert.deepEqual(acumatica.acumatica, { baseMs: 800, perItemMs: 0 }, 'Acumatica has no bulk create, so no per-item cost');
  assert.equal(resolveLatency({ profile: 'real', perSystemMs: {} }).acumatica.baseMs, 500);
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

  // BILL's payments in two pages: the second is asked for with the first's nextPage token, so both
  // are on the path; a payment read by id is not a page.
  const twoPages = dependencyFloor('payments back', {
    xero: { 'GET /api.xro/2.0/Invoices': 2, 'PUT /api.xro/2.0/Payments': 1 },
    bill: { 'GET /connect/v3/payments': 2, 'GET /connect/v3/payments/:id': 5 },
  }, latency);
  assert.deepEqual(twoPages.roundTrips.map((t) => t.what), ['read payments (page 1 of 2)', 'read payments (page 2 of 2)', 'read the bills they pay', 'post payments']);
  assert.equal(twoPages.floorMs, 200 + 200 + 300 + 303);
});

test('the dependency floor of the Acumatica pair: its read, then BILL; payments back saves, releases and waits for each Check', () => {
  const latency = resolveLatency({ profile: 'real', perSystemMs: {} });
  const api = '/entity/Default/24.200.001';
  const firstSync = dependencyFloor('first sync', {
    acumatica: { 'POST /entity/auth/login': 1, [`GET ${api}/Account`]: 1, [`GET ${api}/Vendor`]: 3, [`GET ${api}/Bill`]: 6 },
    bill: { 'GET /connect/v3/vendors': 1, 'POST /connect/v3/vendors/bulk': 2, 'POST /connect/v3/bills/bulk': 3 },
  }, latency, 'acumatica');
  assert.deepEqual(firstSync.roundTrips.map((t) => [t.system, t.ms]), [['acumatica', 500], ['bill', 305], ['bill', 305]]);
  assert.equal(firstSync.floorMs, 1110);

  const paymentsBack = dependencyFloor('payments back', {
    acumatica: { [`GET ${api}/Bill`]: 2, [`PUT ${api}/Check`]: 9, [`POST ${api}/Check/ReleaseCheck`]: 9, [`GET ${api}/Check/ReleaseCheck/status/{id}`]: 18, [`GET ${api}/Check`]: 1 },
    bill: { 'GET /connect/v3/payments': 1 },
  }, latency, 'acumatica');
  assert.deepEqual(paymentsBack.roundTrips.map((t) => t.what), ['read payments', 'read the bills they pay', 'save the payment', 'release it', 'read the release done']);
  assert.equal(paymentsBack.floorMs, 300 + 4 * 500);

  // A search for payments by reference (GET Check) is not the save; an instance that released at once has no status read.
  const noStatus = dependencyFloor('payments back', { acumatica: { [`GET ${api}/Check`]: 1, [`PUT ${api}/Check`]: 1, [`POST ${api}/Check/ReleaseCheck`]: 1 }, bill: {} }, latency, 'acumatica');
  assert.deepEqual(noStatus.roundTrips.map((t) => t.what), ['save the payment', 'release it']);
  // The Xero chain does not match Acumatica's calls.
  assert.equal(dependencyFloor('payments back', { xero: {}, bill: {} }, latency, 'xero').floorMs, 0);
});

test('the Acumatica limits floor is the bench licence: 4 concurrent, 600 a minute', () => {
  assert.deepEqual(publishedLimits.acumatica, { concurrency: 4, rate: { perWindow: 600, windowMs: 60_000 } });
  // 900 calls: the rate needs one whole minute before the last 300 may start.
  const floor = systemFloor(900, 25, publishedLimits.acumatica);
  assert.equal(floor.concurrencyMs, (900 * 25) / 4);
  assert.equal(floor.rateMs, 60_000 + 25);
  assert.equal(floor.floorMs, 60_025);
});

test('BILL → QBO: QBO\'s limits are 10 in flight and 500 a minute per realm, so a long run is held by the minute', () => {
  assert.deepEqual(publishedLimits.qbo, { concurrency: 10, rate: { perWindow: 500, windowMs: 60_000 } });
  // 2,400 calls at 400 ms: 96 s of concurrency, but the 2,001st call cannot start before four whole minutes.
  const floor = systemFloor(2400, 400, publishedLimits.qbo);
  assert.equal(floor.concurrencyMs, 96_000);
  assert.equal(floor.rateMs, 4 * 60_000 + 400);
  assert.equal(floor.floorMs, 240_400);
});

test('the dependency floor of BILL → QBO: BILL is read first; a paid PO becomes a Bill, then a BillPayment', () => {
  const latency = resolveLatency({ profile: 'real', perSystemMs: {} });
  const api = '/v3/company/:realmId';
  const firstSync = dependencyFloor('first sync', {
    bill: { 'GET /connect/v3/vendors': 2, 'GET /connect/v3/bills': 10, 'GET /connect/v3/classifications/departments': 1 },
    qbo: { [`GET ${api}/query`]: 4, [`POST ${api}/vendor`]: 20, [`POST ${api}/purchaseorder`]: 200 },
  }, latency, 'qbo');
  assert.deepEqual(firstSync.roundTrips.map((t) => [t.system, t.what, t.ms]), [['bill', 'read vendors and bills', 300], ['qbo', 'create vendors', 400], ['qbo', 'create purchase orders', 400]]);
  assert.equal(firstSync.floorMs, 1100);

  const payments = dependencyFloor('payments', {
    bill: { 'GET /connect/v3/payments': 1 },
    qbo: { [`GET ${api}/purchaseorder/:id`]: 5, [`POST ${api}/bill`]: 5, [`POST ${api}/billpayment`]: 7 },
  }, latency, 'qbo');
  assert.deepEqual(payments.roundTrips.map((t) => t.what), ['read payments', 'read the purchase orders they pay', 'create the Bill from the PO', 'create the BillPayment']);
  assert.equal(payments.floorMs, 300 + 3 * 400);

  // A payment on a PO already billed skips the Bill create; a create of a PO is not a read of one.
  const billedBefore = dependencyFloor('payments', { bill: {}, qbo: { [`POST ${api}/purchaseorder`]: 1, [`POST ${api}/billpayment`]: 1 } }, latency, 'qbo');
  assert.deepEqual(billedBefore.roundTrips.map((t) => t.what), ['create the BillPayment']);
  // The phase is named 'payments' for this pair; the other pairs' name has no chain here.
  assert.equal(dependencyFloor('payments back', { bill: { 'GET /connect/v3/payments': 1 }, qbo: {} }, latency, 'qbo').source, 'no documented pipeline for this phase');
});
