/**
 * A BILL payment's lifecycle back to Xero: a payment not settled yet, or in a status the connector
 * does not know, is read again by id on later runs until it settles, even when the payments cursor
 * has moved past it; escheated funds are a conflict and a reconcile difference of their own; a
 * delete of a Xero payment whose answer was lost settles on the next run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { control, Sandbox, type Json } from './sandbox-fixture.ts';
import { accpay, billFor, eligible, minor } from './ledger-views.ts';

forEachBackend('payment lifecycle', (backend) => {
  let sb: Sandbox;
  let unpaid: Json[];
  const billOf = new Map<string, Json>();
  /** A payment that stays scheduled the whole file: it must stay pending and never be posted. */
  let waiting: Json;

  before(async () => {
    // The same data on both back-ends, under tenant ids of each suite's own (the emulator seed): the
    // connector's Xero limiter is one per process, keyed by tenant, so with one tenant the second
    // suite waited out the minute window (57 calls) the first one had filled, ~50 s.
    const emulatorSeed = backend.kind === 'pglite' ? 47 : 48;
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: emulatorSeed, xero: { seed: 47, suppliers: 6, bills: 30 }, bill: { seed: 47 } });
    const first = await sb.sync();
    assert.equal(first.status, 'succeeded', JSON.stringify(first.error));
    unpaid = accpay(await sb.xeroState()).filter(eligible);
    assert.ok(unpaid.length >= 7, `the seed gives at least seven eligible bills (got ${unpaid.length})`);
    const org = await sb.billState();
    for (const inv of unpaid) billOf.set(inv.InvoiceID, billFor(org, inv.InvoiceID)[0]);
  });
  after(() => sb?.close());

  const billIdOf = (inv: Json): string => billOf.get(inv.InvoiceID).id;
  const reference = (payment: Json) => `BILL ${payment.id} ${payment.billPayments[0].id}`;
  const postedFor = async (payment: Json): Promise<Json[]> => (await sb.xeroState()).payments.filter((p: Json) => p.Reference === reference(payment));
  /** BILL sends this payment with these fields changed; the stored payment and its updatedTime stay as they are. */
  const readAs = (payment: Json, set: Record<string, unknown>) => control(sb.bill.urls.base, 'POST', '/wire-overrides', { id: payment.id, set });
  const readAsStored = (payment: Json) => control(sb.bill.urls.base, 'POST', '/wire-overrides', { id: payment.id });

  test('a payment read as an unknown status, or as scheduled, is posted exactly once when it later reads settled', async () => {
    const [a, b, c, d] = unpaid;
    const unknown = await sb.pay(billIdOf(a));
    await readAs(unknown, { singleStatus: 'PAYMENT_IN_REVIEW' });
    const scheduled = await sb.pay(billIdOf(b));
    await readAs(scheduled, { singleStatus: 'SCHEDULED', status: 'SCHEDULED' });
    waiting = await sb.pay(billIdOf(c), undefined, 'SCHEDULED');
    // Paid last, so the payments cursor ends past the three above.
    const newest = await sb.pay(billIdOf(d));

    const first = await sb.sync();
    assert.equal(first.status, 'succeeded', JSON.stringify([first.error, first.plan]));
    assert.equal(first.counts['payment.create'], 1, JSON.stringify(first.counts));
    assert.equal((await postedFor(newest)).length, 1);
    for (const p of [unknown, scheduled, waiting]) assert.equal((await postedFor(p)).length, 0, `${p.id} is not posted yet`);
    const unknownRecord = await sb.record('payment', unknown.billPayments[0].id);
    assert.equal(unknownRecord.status, 'pending');
    assert.match(unknownRecord.reason, /status PAYMENT_IN_REVIEW is not one ml-connector knows/);
    assert.equal((await sb.record('payment', scheduled.billPayments[0].id)).status, 'pending');
    const cursor = (await sb.cursors())['bill.payments'];
    assert.ok(cursor && cursor > scheduled.updatedTime, `the payments cursor (${cursor}) has moved past the pending payments`);

    // BILL now reads both as settled, with the updatedTime they had: only a read by id finds them.
    await readAsStored(unknown);
    await readAsStored(scheduled);
    await sb.resetStats();
    const second = await sb.sync();
    assert.equal(second.status, 'succeeded', JSON.stringify(second.plan));
    assert.equal(second.counts['payment.create'], 2, JSON.stringify(second.counts));
    for (const p of [unknown, scheduled]) {
      assert.equal((await postedFor(p)).length, 1, `${p.id} is posted once`);
      const record = await sb.record('payment', p.billPayments[0].id);
      assert.equal(record.status, 'synced');
    }
    assert.equal((await postedFor(waiting)).length, 0);
    const still = await sb.record('payment', waiting.billPayments[0].id);
    assert.equal(still.status, 'pending', 'a payment still scheduled stays pending');
    const stats = (await sb.stats()).bill.callsByEndpoint;
    assert.equal(stats['GET /connect/v3/payments/:paymentId'] ?? 0, 0, 'pending payments are not read one GET each');
    assert.equal(stats['GET /connect/v3/payments'], 2, 'one read by id for the pending set, one page from the cursor');

    const third = await sb.sync();
    assert.equal(third.status, 'succeeded');
    assert.equal(third.counts['payment.create'] ?? 0, 0);
    for (const p of [unknown, scheduled]) assert.equal((await postedFor(p)).length, 1, `${p.id} is still posted once`);
  });

  test('escheated funds are a conflict for a person, never posted, and reconcile reports them', async () => {
    const inv = unpaid[4];
    const escheated = await sb.pay(billIdOf(inv), undefined, 'FUNDS_ESCHEATED');
    const result = await sb.sync();
    assert.equal(result.status, 'partial');
    assert.equal(result.counts['payment.conflict'], 1, JSON.stringify(result.counts));
    const record = await sb.record('payment', escheated.billPayments[0].id);
    assert.equal(record.status, 'conflict');
    assert.match(record.reason, /FUNDS_ESCHEATED: the money went to the state .*not to the vendor, so the ERP bill must not be marked paid/);
    assert.equal((await postedFor(escheated)).length, 0);
    const xeroBill = (await sb.xeroState()).invoices.find((i: Json) => i.InvoiceID === inv.InvoiceID);
    assert.equal(minor(xeroBill.AmountPaid, inv.CurrencyCode), 0n);

    const report = await sb.reconcile();
    assert.equal(report.agree, false);
    assert.deepEqual(report.differences.map((x) => [x.kind, x.erpBillId, x.billId]), [['payment_escheated', inv.InvoiceID, billIdOf(inv)]]);
    assert.match(report.differences[0]!.detail, new RegExp(`BILL payment ${escheated.id} .* is FUNDS_ESCHEATED: the money went to the state, not the vendor`));
  });

  test('a delete whose answer was lost settles on the next run: record synced, run succeeded', async () => {
    const inv = unpaid[5];
    const paid = await sb.pay(billIdOf(inv));
    const posting = await sb.sync();
    assert.equal(posting.counts['payment.create'], 1, JSON.stringify(posting.counts));
    const [posted] = await postedFor(paid);
    assert.ok(posted);

    await control(sb.bill.urls.base, 'POST', `/payments/${paid.id}/status`, { singleStatus: 'VOIDED' });
    // Xero applies each delete and the answer never arrives, retries included.
    await sb.faults('xero', { lostResponseRate: 1, pathPattern: '/Payments/[0-9a-fA-F-]{36}' });
    let lost;
    try {
      lost = await sb.sync();
    } finally {
      await sb.faults('xero', {});
    }
    assert.equal(lost.status, 'partial', JSON.stringify(lost.counts));
    assert.equal((await sb.record('payment', paid.billPayments[0].id)).status, 'failed');
    assert.equal((await postedFor(paid))[0].Status, 'DELETED', 'Xero applied the delete');

    const next = await sb.sync();
    assert.equal(next.status, 'succeeded', JSON.stringify(next.plan));
    assert.equal(next.counts['payment.delete'], 1, JSON.stringify(next.counts));
    const record = await sb.record('payment', paid.billPayments[0].id);
    assert.equal(record.status, 'synced');
    assert.match(record.reason, /ERP payment removed: BILL payment is VOIDED/);
    const row = (await sb.idMap('payment')).find((r) => r.source_id === paid.billPayments[0].id);
    assert.notEqual(row?.state, 'linked', 'the mapping is unlinked');
    const xero = await sb.xeroState();
    assert.deepEqual((await postedFor(paid)).map((p: Json) => p.Status), ['DELETED'], 'one payment, deleted once');
    const xeroBill = xero.invoices.find((i: Json) => i.InvoiceID === inv.InvoiceID);
    assert.deepEqual([xeroBill.Status, minor(xeroBill.AmountPaid, inv.CurrencyCode)], ['AUTHORISED', 0n]);

    const again = await sb.sync();
    assert.equal(again.status, 'succeeded', JSON.stringify(again.plan));
    assert.equal((await sb.record('payment', waiting.billPayments[0].id)).status, 'pending', 'the scheduled payment is still only pending');
  });

  test('a pending payment BILL no longer returns is raised as a conflict for a person, never posted, and not read again', async () => {
    const vanishing = await sb.pay(billIdOf(unpaid[6]), undefined, 'SCHEDULED');
    await sb.sync();
    const application = vanishing.billPayments[0].id;
    assert.equal((await sb.record('payment', application)).status, 'pending');
    // BILL stops returning the payment (removed on BILL's side): taken out of the emulator's own state.
    const org = sb.bill.state.orgOfPayment(vanishing.id)!;
    org.payments.delete(vanishing.id);
    org.paymentsByBill.get(billIdOf(unpaid[6]))?.delete(vanishing.id);
    const run = await sb.sync();
    assert.equal(run.counts['payment.conflict'], 1, JSON.stringify(run.counts));
    const record = await sb.record('payment', application);
    assert.equal(record.status, 'conflict');
    assert.match(record.reason, /BILL no longer returns this payment, which was waiting to settle .*check it in BILL/);
    assert.equal((await postedFor(vanishing)).length, 0, 'nothing was posted to Xero');
    const next = await sb.sync();
    assert.equal(next.counts['payment.pending_reread'] ?? 0, 1, 'only the scheduled payment of the first test is still read again');
  });
});
