/**
 * Payments back over several BILL pages and rounds: each Xero bill's current state is read once per
 * run however many pages and rounds its payments come in (the balance one round leaves is the one
 * the next sees), the reads still go 50 ids a call, and every payment is posted once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { Sandbox, type Json } from './sandbox-fixture.ts';
import { accpay, billFor, eligible, minor } from './ledger-views.ts';

forEachBackend('payments back over several pages', (backend) => {
  let sb: Sandbox;
  let bills: Json[];
  const billOf = new Map<string, Json>();

  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 33, xero: { suppliers: 6, bills: 30 } });
    const first = await sb.sync();
    assert.equal(first.status, 'succeeded', JSON.stringify(first.error));
    // Bills with room for many instalments of 1.00.
    bills = accpay(await sb.xeroState()).filter(eligible).filter((inv) => minor(inv.AmountDue, inv.CurrencyCode) >= 100_00n);
    assert.ok(bills.length >= 4, `the seed gives at least four eligible bills of 100 or more (got ${bills.length})`);
    const org = await sb.billState();
    for (const inv of bills) billOf.set(inv.InvoiceID, billFor(org, inv.InvoiceID)[0]);
  });
  after(() => sb?.close());

  test('310 payments on a few bills (four BILL pages, two rounds): one read of the bills, every payment posted once', async () => {
    const count = 310;
    const paid = new Map<string, number>();
    for (let i = 0; i < count; i += 1) {
      const inv = bills[i % bills.length];
      await sb.pay(billOf.get(inv.InvoiceID).id, '1.00');
      paid.set(inv.InvoiceID, (paid.get(inv.InvoiceID) ?? 0) + 1);
    }
    await sb.resetStats();
    const result = await sb.sync();
    assert.equal(result.status, 'succeeded', JSON.stringify(result.plan));
    assert.equal(result.counts['payment.create'], count);

    const stats = await sb.stats();
    assert.equal(stats.bill.callsByEndpoint['GET /connect/v3/payments'], 4, 'BILL pages 100 payments at a time');
    // 300 payments fill the first round (Xero takes 5 batches of 50 at once), 10 the second: the
    // bills are read once (one IDs= call for a few bills), beside the bills step's delta read.
    assert.equal(stats.xero.callsByEndpoint['GET /api.xro/2.0/Invoices'], 2, 'the delta read and one read of the paid bills by id');
    assert.equal(stats.xero.callsByEndpoint['PUT /api.xro/2.0/Payments'], 7, 'six batches of 50 and one of 10');
    assert.equal(stats.xero.limitViolations, 0);
    assert.equal(stats.bill.limitViolations, 0);

    const xero = await sb.xeroState();
    const references = xero.payments.filter((p: Json) => /^BILL /.test(p.Reference ?? '')).map((p: Json) => p.Reference);
    assert.equal(references.length, count, 'one Xero payment per BILL payment');
    assert.equal(new Set(references).size, count, 'none posted twice');
    for (const inv of bills) {
      const now = xero.invoices.find((i: Json) => i.InvoiceID === inv.InvoiceID);
      const expected = minor(inv.AmountDue, inv.CurrencyCode) - BigInt(paid.get(inv.InvoiceID) ?? 0) * minor('1.00', inv.CurrencyCode);
      assert.equal(minor(now.AmountDue, inv.CurrencyCode), expected, `bill ${inv.InvoiceNumber} owes what the instalments left`);
    }
  });
});
