import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BillApiError, startBillEmulator, type BillEmulator } from '../../src/emulators/bill/index.ts';
import { Client, advance, control, errorCodes } from './bill-helpers.ts';

describe('BILL emulator: payments', () => {
  let bill: BillEmulator;
  let c: Client;
  let vendorId: string;
  const newBill = async (amount: number) =>
    (
      await c.post('/bills', {
        vendorId,
        dueDate: '2026-12-31',
        invoice: { invoiceNumber: `P-${amount}`, invoiceDate: '2026-12-01' },
        billLineItems: [{ amount }],
      })
    ).body;

  before(async () => {
    bill = await startBillEmulator({ seed: 61, initialSeed: { vendors: 1, bills: 0 } });
    c = await Client.open(bill);
    vendorId = (await c.get('/vendors')).body.results[0].id;
  });
  after(() => bill.stop());

  test('pay in part, then in full: payment and bill balances move as the BILL network would', async () => {
    const b = await newBill(100);
    await advance(bill, 1);
    const part = await control(bill, 'POST', '/pay', { billId: b.id, amount: '40.10' });
    assert.equal(part.status, 201);
    assert.match(part.body.id, /^stp/);
    assert.equal(part.body.singleStatus, 'CLEARED', 'default singleStatus');
    assert.equal(part.body.status, 'PAID');
    assert.equal(part.body.billPayments.length, 1);
    assert.match(part.body.billPayments[0].id, /^blp/);
    assert.equal(part.body.billPayments[0].billId, b.id);
    assert.equal(part.body.billPayments[0].amount, 40.1);
    let now = (await c.get(`/bills/${b.id}`)).body;
    assert.equal(now.paidAmount, 40.1);
    assert.equal(now.dueAmount, 59.9);
    assert.equal(now.paymentStatus, 'PARTIAL');
    assert.ok(Date.parse(now.updatedTime) > Date.parse(b.updatedTime), 'paying bumps the bill');

    const over = await control(bill, 'POST', '/pay', { billId: b.id, amount: '59.91' });
    assert.equal(over.status, 400);
    assert.match(over.body.error, /more than the amount due/);
    assert.throws(() => bill.pay({ billId: b.id, amount: '100' }), BillApiError);

    const rest = bill.pay({ billId: b.id, processDate: '2026-12-15' });
    assert.equal(rest.billPayments[0]!.amount, 59.9);
    assert.equal(rest.processDate, '2026-12-15');
    now = (await c.get(`/bills/${b.id}`)).body;
    assert.equal(now.paidAmount, 100);
    assert.equal(now.dueAmount, 0);
    assert.equal(now.paymentStatus, 'PAID');
    assert.equal((await control(bill, 'POST', '/pay', { billId: b.id })).status, 400, 'nothing left to pay');

    const listed = await c.get(`/payments?filters=billId:eq:${b.id}&sort=createdTime:asc`);
    assert.deepEqual(listed.body.results.map((p: { id: string }) => p.id), [part.body.id, rest.id]);
    const one = await c.get(`/payments/${rest.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.vendorId, vendorId);
    assert.deepEqual(errorCodes(await c.get('/payments/stp01missing')), ['BDC_1205']);
  });

  test('scheduled payments hold the amount; voiding restores the due amount', async () => {
    const b = await newBill(250);
    const p = bill.pay({ billId: b.id, amount: '100', singleStatus: 'SCHEDULED' });
    let now = (await c.get(`/bills/${b.id}`)).body;
    assert.equal(now.scheduledAmount, 100);
    assert.equal(now.dueAmount, 150);
    assert.equal(now.paymentStatus, 'SCHEDULED');
    const cleared = await control(bill, 'POST', `/payments/${p.id}/status`, { singleStatus: 'CLEARED' });
    assert.equal(cleared.body.singleStatus, 'CLEARED');
    assert.equal(cleared.body.disbursementStatus, 'DONE');
    now = (await c.get(`/bills/${b.id}`)).body;
    assert.deepEqual([now.paidAmount, now.scheduledAmount, now.dueAmount, now.paymentStatus], [100, 0, 150, 'PARTIAL']);
    const refused = await control(bill, 'POST', `/payments/${p.id}/status`, { singleStatus: 'CANCELED' });
    assert.equal(refused.status, 409, 'only a scheduled payment can be canceled');
    const voided = await control(bill, 'POST', `/payments/${p.id}/status`, { singleStatus: 'VOIDED' });
    assert.equal(voided.body.status, 'VOID');
    assert.equal(voided.body.voidInfo.length, 1);
    now = (await c.get(`/bills/${b.id}`)).body;
    assert.deepEqual([now.paidAmount, now.dueAmount, now.paymentStatus], [0, 250, 'UNPAID']);
    assert.equal((await control(bill, 'POST', `/payments/${p.id}/status`, { singleStatus: 'BOUNCED' })).status, 400);
  });

  test('a payment can regress from CLEARED to a disbursement failure (still counted as paid)', async () => {
    const b = await newBill(30);
    const p = bill.pay({ billId: b.id });
    const failed = bill.setPaymentStatus(p.id, 'DISBURSEMENT_FAILED_ACTION_NEEDED');
    assert.equal(failed.disbursementStatus, 'FAILED');
    assert.equal((await c.get(`/bills/${b.id}`)).body.paymentStatus, 'PAID');
  });

  test('record-payment records a payment made outside BILL', async () => {
    const b = await newBill(75.5);
    const res = await c.post('/bills/record-payment', { vendorId, processDate: '2026-12-20', toPrintCheck: false, payments: [{ billId: b.id, amount: 75.5 }] });
    assert.equal(res.status, 200);
    assert.equal(res.body.onlinePayment, false);
    assert.equal(res.body.singleStatus, 'CLEARED');
    assert.equal((await c.get(`/bills/${b.id}`)).body.paymentStatus, 'PAID');
    const again = await c.post('/bills/record-payment', { vendorId, processDate: '2026-12-20', payments: [{ billId: b.id, amount: 1 }] });
    assert.equal(again.status, 400);
  });

  test('partialPaymentStatus is configurable', async () => {
    const other = await startBillEmulator({ seed: 62, partialPaymentStatus: 'UNPAID', initialSeed: { vendors: 1, bills: 1 } });
    try {
      const oc = await Client.open(other);
      const b = (await oc.get('/bills')).body.results[0];
      other.pay({ billId: b.id, amount: '0.01' });
      assert.equal((await oc.get(`/bills/${b.id}`)).body.paymentStatus, 'UNPAID');
    } finally {
      await other.stop();
    }
  });
});
