import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMoney } from '../../core/money.ts';
import type { BillPaymentApplication } from '../../model/types.ts';
import { planPayment, paymentReference } from './map-payment.ts';

const usd = (v: string) => parseMoney(v, 'USD');
const app = (over: Partial<BillPaymentApplication> = {}): BillPaymentApplication => ({
  id: 'blp1', paymentId: 'stp1', billId: 'b1', amount: usd('40.00'), date: '2026-02-01', state: 'settled', statusText: 'CLEARED', updatedAt: '2026-02-01T00:00:00Z', ...over,
});
const open = { id: 'inv-1', status: 'AUTHORISED', amountDue: usd('100.00'), open: true };

test('a settled BILL payment becomes one ERP payment against the original bill, referencing the BILL ids', () => {
  const d = planPayment(app(), { erpBill: open, posted: null });
  assert.equal(d.kind, 'create');
  if (d.kind !== 'create') return;
  assert.equal(d.payload.erpBillId, 'inv-1');
  assert.equal(d.payload.amount.minor, 4000n);
  assert.equal(d.payload.reference, 'BILL stp1 blp1');
  assert.equal(paymentReference(app()), 'BILL stp1 blp1');
});

test('pending, already posted, unknown bills and cancellations are handled without double posting', () => {
  assert.equal(planPayment(app({ state: 'pending', statusText: 'SCHEDULED' }), { erpBill: open, posted: null }).kind, 'skip');
  assert.equal(planPayment(app(), { erpBill: open, posted: { targetId: 'p1' } }).kind, 'unchanged');
  assert.equal(planPayment(app(), { erpBill: null, posted: null }).kind, 'skip');
  assert.equal(planPayment(app({ state: 'cancelled', statusText: 'VOIDED' }), { erpBill: open, posted: { targetId: 'p1' } }).kind, 'delete');
});

test('over-payment, a closed ERP bill or a currency mismatch is a conflict', () => {
  assert.equal(planPayment(app({ amount: usd('100.01') }), { erpBill: open, posted: null }).kind, 'conflict');
  assert.equal(planPayment(app(), { erpBill: { ...open, status: 'VOIDED', open: false }, posted: null }).kind, 'conflict');
  assert.equal(planPayment(app({ amount: parseMoney('40', 'EUR') }), { erpBill: open, posted: null }).kind, 'conflict');
});
