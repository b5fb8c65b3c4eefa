/**
 * BILL → QuickBooks Online for a firm without purchase orders (link setting billsAs=bill), on both
 * back-ends: each BILL bill becomes a QBO Bill on the mapped accounts, no purchase order is made,
 * and a BILL payment is a BillPayment applied straight to that Bill. Judged by the emulators' state.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { syncLink } from '../../src/engine/sync.ts';
import { reconcile } from '../../src/engine/reconcile.ts';
import { forEachBackend } from '../helpers/db.ts';
import { cents, openBillQboWorld, type BillQboWorld, type Json } from './bill-qbo-fixture.ts';

forEachBackend('BILL → QuickBooks Online with bills posted as QBO Bills', (backend) => {
  let w: BillQboWorld;
  before(async () => {
    w = await openBillQboWorld(backend, { seed: 41, vendors: 3, bills: 10, settings: { billsAs: 'bill' } });
  });
  after(async () => {
    await w?.stop();
  });

  test('bills become QBO Bills, no purchase order is made, and a payment is applied to the Bill itself', async () => {
    const ourVendors = () => new Set(w.qboTable('Vendor').filter((v) => (w.org().vendors as Json[]).some((b) => b.name === v.DisplayName)).map((v) => v.Id));
    const ourBills = () => w.qboTable('Bill').filter((b) => ourVendors().has(b.VendorRef.value));
    const run = await syncLink(w.deps, w.link);
    assert.equal(run.error, null, JSON.stringify(run.error));
    const bills = w.org().bills as Json[];
    const mapped = bills.filter((b) => !w.usesUnmapped(b));
    assert.ok(mapped.length >= 3, `mapped bills in the seed (${mapped.length})`);
    assert.deepEqual(w.ourPos(), [], 'no purchase order');
    for (const b of mapped) assert.equal(ourBills().filter((q) => q.DocNumber === b.invoice.invoiceNumber).length, 1, `one QBO Bill for ${b.invoice.invoiceNumber}`);
    assert.equal(ourBills().length, mapped.length);

    const open = mapped.find((b) => cents(b.dueAmount) === cents(b.amount))!;
    const qboBill = ourBills().find((q) => q.DocNumber === open.invoice.invoiceNumber)!;
    const paymentsBefore = w.qboTable('BillPayment').length;
    await w.billPay(open.id, '12.34');
    const payments = await syncLink(w.deps, w.link, { steps: { only: ['payment'] } });
    assert.equal(payments.error, null, JSON.stringify(payments.error));
    const added = w.qboTable('BillPayment').slice(paymentsBefore);
    assert.equal(added.length, 1, JSON.stringify(payments.counts));
    assert.deepEqual(added[0]!.Line.flatMap((l: Json) => l.LinkedTxn.map((t: Json) => [t.TxnType, t.TxnId])), [['Bill', qboBill.Id]], 'applied to the Bill the bill became');
    assert.equal(ourBills().length, mapped.length, 'no second Bill is made for the payment');
    const after = ourBills().find((q) => q.Id === qboBill.Id)!;
    assert.equal(cents(after.Balance), cents(after.TotalAmt) - 1234n);
    const report = await reconcile(w.deps, w.link);
    assert.deepEqual(report.differences.filter((d) => d.kind !== 'missing_in_erp'), [], JSON.stringify(report.differences));
  });
});
