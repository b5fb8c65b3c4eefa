/**
 * Acumatica ⇄ BILL end to end under injected faults, as faults.test.ts runs Xero ⇄ BILL: a first
 * sync, BILL payments in full and in part, and the payments back, while both emulators answer 5% of
 * calls with server errors, decline bursts of calls as over the limit (Acumatica's licence 429,
 * BILL's BDC_1322) and end sessions mid-run. Each run must finish in one pass, every released bill
 * must have exactly one BILL bill and every BILL payment application exactly one released Acumatica
 * payment, reconcile must agree, and no limit may have been broken. Judged by the emulators' state.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { AcumaticaSandbox, control, type Json } from '../helpers/acumatica-sandbox.ts';
import { acumaticaBillOf, assertOneBillEach, assertOnePaymentEach, eligibleAcumaticaBills, readAcumaticaLedgers } from './crash-acumatica-checks.ts';

/**
 * 5% server errors, sessions ended on the first call and before 2–3% of calls after it, the first two
 * calls of each run and bursts of two later ones declined as over the limit. The seeds were chosen so every kind of fault happens on both
 * sides (asserted at the end); the faults land on the same calls on every run because each emulator
 * sees its calls in the same order. A seed that ends a session twice in a row on one call fails
 * that run with MLC_ERR_AUTH_EXPIRED (the transport signs in again once per call), as for Xero.
 */
const acumaticaFaults = { seed: 5, serverErrorRate: 0.05, expireAuthNow: true, expireAuthRate: 0.03, rateLimitBurst: 2, rateLimitBurstRate: 0.03, burstLength: 2 };
const billFaults = { seed: 17, serverErrorRate: 0.05, expireAuthNow: true, expireAuthRate: 0.02, rateLimitBurst: 2, rateLimitBurstRate: 0.02, burstLength: 2 };

const total = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);

forEachBackend('Acumatica ⇄ BILL under injected faults', (backend) => {
  let sb: AcumaticaSandbox;
  let eligible: Json[];
  let billOf: Map<string, string>;
  let paid = 0;
  const ledgers = () => readAcumaticaLedgers({ acumatica: sb.acu.urls.base, bill: sb.bill.urls.base });
  const injectFaults = () => Promise.all([control(sb.acu.urls.base, 'POST', '/faults', acumaticaFaults), control(sb.bill.urls.base, 'POST', '/faults', billFaults)]);

  before(async () => {
    sb = await AcumaticaSandbox.open(backend.db, backend.dataDir, { seed: 31, vendors: 12, bills: 40 });
    eligible = eligibleAcumaticaBills(await ledgers());
    assert.ok(eligible.length >= 10, `released unpaid bills: ${eligible.length}`);
    await injectFaults();
  });
  after(() => sb?.close());

  test('the first sync finishes in one pass with every released bill in BILL once', async () => {
    const run = await sb.sync();
    assert.equal(run.status, 'succeeded', JSON.stringify({ error: run.error, plan: run.plan.slice(0, 5) }));
    const after = await ledgers();
    assertOneBillEach(after, eligible, 'after the first sync under faults');
    billOf = acumaticaBillOf(after, eligible);
    assert.equal(billOf.size, eligible.length);
  });

  test('BILL payments, full and partial, come back as one released Acumatica payment each in the same conditions', async () => {
    const { billBills } = await ledgers();
    // Half a dozen bills, every other one in part: each payment is a save, a release and its polls.
    for (const [i, b] of billBills.slice(0, 6).entries()) {
      await sb.pay(b.id, i % 2 === 0 ? undefined : '25.10');
      paid += 1;
    }
    // Sessions ended again at the start of this run.
    await injectFaults();
    const run = await sb.sync();
    assert.equal(run.status, 'succeeded', JSON.stringify({ error: run.error, plan: run.plan.slice(0, 5) }));
    const { applications } = assertOnePaymentEach(await ledgers(), billOf, 'after the payments under faults');
    assert.equal(applications, paid);
  });

  test('reconcile agrees, every fault kind was met, and neither emulator saw a limit broken', async () => {
    await Promise.all([control(sb.acu.urls.base, 'POST', '/faults', {}), control(sb.bill.urls.base, 'POST', '/faults', {})]);
    const report = await sb.reconcile();
    assert.deepEqual(report.differences, []);
    for (const side of ['acumatica', 'bill'] as const) {
      const stats = await sb.stats(side);
      const injected = stats.faultsInjected;
      assert.ok((injected.server_error ?? 0) > 0 && (injected.rate_limited ?? 0) > 0 && (injected.auth_expired ?? 0) > 0, `${side}: ${JSON.stringify(injected)}`);
      assert.equal(stats.limitViolations, 0, side);
      assert.equal(total(stats.rejections), 0, `${side} refused nothing for real: ${JSON.stringify(stats.rejections)}`);
    }
    assert.equal((await sb.acuState()).liveSessions, 0, 'every session the runs opened was signed out or ended');
  });
});
