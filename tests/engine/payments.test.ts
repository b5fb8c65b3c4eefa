/**
 * BILL payments back to Xero: full, partial and split payments post against the original bill to
 * the link's payment account with the BILL ids in the reference, in batched PUT /Payments calls;
 * payments still on their way wait. Reconcile agrees afterwards and names each kind of difference
 * made behind the connector's back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMoney } from '../../src/core/money.ts';
import { forEachBackend } from '../helpers/db.ts';
import { control, Sandbox, type Json } from './sandbox-fixture.ts';
import { accpay, billFor, eligible, minor } from './ledger-views.ts';

forEachBackend('payments back and reconcile', (backend) => {
  let sb: Sandbox;
  let unpaid: Json[];
  /** BILL bill id of each eligible Xero bill. */
  const billOf = new Map<string, Json>();
  const payments: Json[] = [];
  let scheduled: Json;

  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 33, xero: { suppliers: 6, bills: 30 } });
    const first = await sb.sync();
    assert.equal(first.status, 'succeeded', JSON.stringify(first.error));
    unpaid = accpay(await sb.xeroState()).filter(eligible);
    assert.ok(unpaid.length >= 8, `the seed gives at least eight eligible bills (got ${unpaid.length})`);
    const org = await sb.billState();
    for (const inv of unpaid) billOf.set(inv.InvoiceID, billFor(org, inv.InvoiceID)[0]);
  });
  after(() => sb?.close());

  const amountOf = (inv: Json, share: bigint, of = 100n) => formatMoney({ currency: inv.CurrencyCode, minor: (minor(inv.Total, inv.CurrencyCode) * share) / of });

  test('settled BILL payments post to Xero against the original bill, in batches of 50; scheduled ones wait', async () => {
    const [full, half, split, pending] = unpaid;
    payments.push(await sb.pay(billOf.get(full.InvoiceID).id));
    payments.push(await sb.pay(billOf.get(half.InvoiceID).id, amountOf(half, 50n)));
    payments.push(await sb.pay(billOf.get(split.InvoiceID).id, amountOf(split, 40n)));
    payments.push(await sb.pay(billOf.get(split.InvoiceID).id));
    scheduled = await sb.pay(billOf.get(pending.InvoiceID).id, undefined, 'SCHEDULED');
    // Small instalments on the others (the last bill stays unpaid for the reconcile test) pass 50 payments.
    const rest = unpaid.slice(4, -1);
    for (let i = 0; payments.length < 55; i += 1) payments.push(await sb.pay(billOf.get(rest[i % rest.length].InvoiceID).id, '1.00'));

    await sb.resetStats();
    const result = await sb.sync();
    assert.equal(result.status, 'succeeded', JSON.stringify(result.plan));
    assert.equal(result.counts['payment.create'], 55);
    const stats = await sb.stats();
    assert.equal(stats.xero.callsByEndpoint['PUT /api.xro/2.0/Payments'], 2, 'two batched calls for 55 payments');

    const xero = await sb.xeroState();
    const posted = new Map<string, Json[]>();
    for (const p of xero.payments) posted.set(p.Reference, [...(posted.get(p.Reference) ?? []), p]);
    const rows = new Map((await sb.idMap('payment')).map((r) => [r.source_id, r]));
    for (const payment of payments) {
      const app = payment.billPayments[0];
      const inv = unpaid.find((i) => billOf.get(i.InvoiceID).id === app.billId);
      const matches = posted.get(`BILL ${payment.id} ${app.id}`) ?? [];
      assert.equal(matches.length, 1, `one Xero payment for BILL payment ${payment.id}`);
      const [p] = matches;
      assert.equal(p.Invoice.InvoiceID, inv.InvoiceID);
      assert.equal(p.Account.Code, sb.paymentAccountCode);
      assert.equal(minor(p.Amount, inv.CurrencyCode), minor(app.amount, inv.CurrencyCode));
      assert.equal(p.DateString?.slice(0, 10) ?? xeroDay(p.Date), payment.processDate);
      assert.equal(rows.get(app.id)?.target_id, p.PaymentID);
    }
    assert.equal(xero.payments.filter((p: Json) => /^BILL /.test(p.Reference ?? '')).length, payments.length, 'nothing else posted');

    const invoice = (inv: Json) => xero.invoices.find((i: Json) => i.InvoiceID === inv.InvoiceID);
    assert.deepEqual([invoice(full).Status, minor(invoice(full).AmountDue, full.CurrencyCode)], ['PAID', 0n]);
    assert.deepEqual([invoice(split).Status, minor(invoice(split).AmountDue, split.CurrencyCode)], ['PAID', 0n]);
    assert.equal(invoice(half).Status, 'AUTHORISED');
    assert.equal(minor(invoice(half).AmountDue, half.CurrencyCode), minor(half.Total, half.CurrencyCode) - minor(amountOf(half, 50n), half.CurrencyCode));
    assert.equal(minor(invoice(pending).AmountPaid, pending.CurrencyCode), 0n, 'a scheduled payment is not posted');
    const pendingRecord = await sb.record('payment', scheduled.billPayments[0].id);
    assert.equal(pendingRecord.status, 'pending');
    assert.match(pendingRecord.reason, /SCHEDULED; it is posted once the money has left/);
  });

  test('a scheduled payment is posted once BILL settles it, and only it', async () => {
    await control(sb.bill.urls.base, 'POST', `/payments/${scheduled.id}/status`, { singleStatus: 'CLEARED' });
    await sb.resetStats();
    const result = await sb.sync();
    assert.equal(result.counts['payment.create'], 1, JSON.stringify(result.counts));
    assert.equal((await sb.stats()).xero.callsByEndpoint['PUT /api.xro/2.0/Payments'], 1);
    const xero = await sb.xeroState();
    const inv = xero.invoices.find((i: Json) => i.InvoiceID === unpaid[3].InvoiceID);
    assert.equal(inv.Status, 'PAID');
    assert.equal(xero.payments.filter((p: Json) => p.Reference === `BILL ${scheduled.id} ${scheduled.billPayments[0].id}`).length, 1);
  });

  test('reconcile agrees after the sync', async () => {
    const report = await sb.reconcile();
    assert.deepEqual(report.differences, []);
    assert.equal(report.agree, true);
    assert.equal(report.checked.linkedBills, unpaid.length);
    assert.equal(report.checked.paymentApplications, payments.length + 1);
  });

  test('reconcile reports an amount changed in BILL behind our back and a BILL payment not applied in Xero', async () => {
    const changed = unpaid[1];
    const target = await sb.billApi.getBill(billOf.get(changed.InvoiceID).id);
    await sb.billApi.replaceBill(target.id, {
      vendorId: target.vendorId,
      dueDate: target.dueDate,
      invoice: target.invoice,
      billLineItems: target.billLineItems.map((l: Json, i: number) => ({ amount: i === 0 ? (Number(l.amount) + 5).toFixed(2) : String(l.amount), description: l.description, classifications: l.classifications })),
    });
    const notApplied = unpaid[unpaid.length - 1];
    await sb.pay(billOf.get(notApplied.InvoiceID).id, '2.00');

    const report = await sb.reconcile();
    assert.equal(report.agree, false);
    assert.deepEqual(report.differences.map((d) => [d.kind, d.erpBillId]).sort(), [['amount_differs', changed.InvoiceID], ['payment_not_applied', notApplied.InvoiceID]].sort());
    assert.match(report.differences.find((d) => d.kind === 'payment_not_applied')!.detail, /BILL settled 2\.00 but the ERP shows 0\.00/);

    // The next sync applies the payment; the amount edited in BILL stays a difference for a person.
    await sb.sync();
    const after = await sb.reconcile();
    assert.deepEqual(after.differences.map((d) => d.kind), ['amount_differs']);
  });
});

/** Xero's "/Date(ms+0000)/" as yyyy-mm-dd. */
function xeroDay(value: string): string {
  return new Date(Number(/\/Date\((-?\d+)/.exec(value)![1])).toISOString().slice(0, 10);
}
