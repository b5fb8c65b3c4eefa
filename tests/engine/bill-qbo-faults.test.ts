/**
 * BILL → QuickBooks Online under faults, while the process lives, on both back-ends: QBO writes
 * whose answers are lost after the write (vendors, purchase orders, the Bills paid POs become,
 * BillPayments), refused by QBO's limit (429, Fault 3001) or answering 500, and a seeded share of
 * lost answers on every call. Each create carries a `requestid` from its intent, so a retry gets
 * QBO's first answer replayed: one QBO vendor per BILL vendor, one PO per BILL bill, one
 * BillPayment per BILL payment application, reconcile agreeing. Judged by the emulators' state.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { syncLink, type RunResult } from '../../src/engine/sync.ts';
import { reconcile } from '../../src/engine/reconcile.ts';
import { forEachBackend } from '../helpers/db.ts';
import { control } from '../helpers/emulator-control.ts';
import { cents, openBillQboWorld, type BillQboWorld, type Json } from './bill-qbo-fixture.ts';

forEachBackend('BILL → QuickBooks Online under lost answers, 429s and 500s', (backend) => {
  let w: BillQboWorld;
  before(async () => {
    w = await openBillQboWorld(backend, { seed: 33, vendors: 5, bills: 16, policy: { settleMs: 0 } });
  });
  after(async () => {
    await w?.stop();
  });

  /** Runs until a run has nothing left for later (each run retries what the previous one could not finish). */
  async function syncUntilSettled(): Promise<RunResult[]> {
    const runs: RunResult[] = [];
    for (let i = 0; i < 6; i += 1) {
      const run = await syncLink(w.deps, w.link);
      runs.push(run);
      if (run.status === 'succeeded' || (run.status === 'partial' && !run.error && (run.counts['bill.fail'] ?? 0) === w.org().bills.filter(w.usesUnmapped).length && i > 0)) break;
    }
    return runs;
  }

  test('lost answers, 429s and 500s on every kind of QBO create leave exactly one record each', async () => {
    const lost = { fault: 'lost_response' };
    await control(w.qbo.urls.base, 'POST', '/faults', {
      seed: 5, lostResponseRate: 0.08, serverErrorRate: 0.04, rateLimitBurstRate: 0.03, burstLength: 2,
      script: [lost, { fault: 'rate_limited' }, lost, { fault: 'server_error' }, lost],
    });
    const first = await syncUntilSettled();
    for (const b of w.org().bills as Json[]) if (!w.usesUnmapped(b) && cents(b.dueAmount) === cents(b.amount)) { await w.billPay(b.id); break; }
    const open = (w.org().bills as Json[]).filter((b) => !w.usesUnmapped(b) && cents(b.dueAmount) === cents(b.amount));
    await w.billPay(open[1]!.id, '25.00');
    const second = await syncUntilSettled();
    await control(w.qbo.urls.base, 'POST', '/faults', {});
    const clean = await syncLink(w.deps, w.link);
    const runs = [...first, ...second, clean];
    const stats = (await control(w.qbo.urls.base, 'GET', '/stats')) as Json;
    assert.ok((stats.faultsInjected.lost_response ?? 0) >= 3, `answers were lost after the write: ${JSON.stringify(stats.faultsInjected)}`);

    const bills = w.org().bills as Json[];
    const vendors = w.qboTable('Vendor');
    for (const v of w.org().vendors as Json[]) assert.equal(vendors.filter((q) => q.DisplayName === v.name).length, 1, `one QBO vendor for ${v.name}`);
    const pos = w.ourPos();
    for (const b of bills.filter((x) => !w.usesUnmapped(x))) {
      assert.equal(pos.filter((p) => p.DocNumber === b.invoice.invoiceNumber).length, 1, `one PO for ${b.invoice.invoiceNumber}: ${JSON.stringify(runs.map((r) => r.counts))}`);
    }
    const applications = (w.org().payments as Json[]).flatMap((p) => p.billPayments as Json[]).filter((bp) => pos.some((po) => po.DocNumber === bills.find((b) => b.id === bp.billId)?.invoice.invoiceNumber));
    assert.equal(w.qboTable('BillPayment').length, applications.length, 'one BillPayment per BILL payment application');
    const paidBills = w.qboTable('Bill').filter((b) => (b.LinkedTxn ?? []).some((t: Json) => t.TxnType === 'PurchaseOrder'));
    assert.equal(new Set(paidBills.map((b) => b.LinkedTxn.find((t: Json) => t.TxnType === 'PurchaseOrder').TxnId)).size, paidBills.length, 'one Bill per paid PO');
    const report = await reconcile(w.deps, w.link);
    assert.deepEqual(report.differences.filter((d) => d.kind !== 'missing_in_erp'), [], JSON.stringify(report.differences));
    // Injected 429s are faults; a rejection is the connector itself going past QBO's limits.
    assert.deepEqual(Object.values((stats.rejections ?? {}) as Record<string, number>).filter((n) => n > 0), [], `no limit violations: ${JSON.stringify(stats.rejections)}`);
  });
});
