import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMoney } from '../../core/money.ts';
import type { BillPaymentApplication } from '../../model/types.ts';
import { awaitsSettlement, planPayment, paymentReference } from './map-payment.ts';

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
  assert.equal(planPayment(app({ state: 'scheduled', statusText: 'SCHEDULED' }), { erpBill: open, posted: null }).kind, 'skip');
  assert.equal(planPayment(app(), { erpBill: open, posted: { targetId: 'p1' } }).kind, 'unchanged');
  assert.equal(planPayment(app(), { erpBill: null, posted: null }).kind, 'skip');
  assert.equal(planPayment(app({ state: 'cancelled', statusText: 'VOIDED' }), { erpBill: open, posted: { targetId: 'p1' } }).kind, 'delete');
});

test('over-payment, a closed ERP bill or a currency mismatch is a conflict', () => {
  assert.equal(planPayment(app({ amount: usd('100.01') }), { erpBill: open, posted: null }).kind, 'conflict');
  assert.equal(planPayment(app(), { erpBill: { ...open, status: 'VOIDED', open: false }, posted: null }).kind, 'conflict');
  assert.equal(planPayment(app({ amount: parseMoney('40', 'EUR') }), { erpBill: open, posted: null }).kind, 'conflict');
});

test('only a settled payment is posted; every other lifecycle state is decided on purpose', () => {
  const states = ['scheduled', 'in_process', 'settled', 'cancelled', 'escheated', 'failed', 'unknown'] as const;
  const kinds = Object.fromEntries(states.map((state) => [state, planPayment(app({ state, statusText: state.toUpperCase() }), { erpBill: open, posted: null }).kind]));
  assert.deepEqual(kinds, { scheduled: 'skip', in_process: 'skip', settled: 'create', cancelled: 'skip', escheated: 'conflict', failed: 'skip', unknown: 'skip' });
  assert.deepEqual(states.filter(awaitsSettlement), ['scheduled', 'in_process', 'failed', 'unknown']);
  const unknown = planPayment(app({ state: 'unknown', statusText: 'PAYMENT_IN_REVIEW' }), { erpBill: open, posted: null });
  assert.match(unknown.kind === 'skip' ? unknown.reason : '', /status PAYMENT_IN_REVIEW is not one ml-connector knows/);
});

test('escheated funds are a conflict that says the ERP bill must not be marked paid, posted or not', () => {
  const fresh = planPayment(app({ state: 'escheated', statusText: 'FUNDS_ESCHEATED' }), { erpBill: open, posted: null });
  assert.equal(fresh.kind, 'conflict');
  assert.match(fresh.kind === 'conflict' ? fresh.reason : '', /went to the state.*not to the vendor.*must not be marked paid; nothing was posted/);
  const posted = planPayment(app({ state: 'escheated', statusText: 'FUNDS_ESCHEATED' }), { erpBill: open, posted: { targetId: 'p1' } });
  assert.deepEqual(posted.kind === 'conflict' ? [posted.kind, posted.targetId] : [posted.kind], ['conflict', 'p1']);
});

test('a posted payment that fails afterwards is a conflict; one moving back or into an unknown status stays as posted', () => {
  const posted = { targetId: 'p1' };
  assert.equal(planPayment(app({ state: 'failed', statusText: 'DISBURSEMENT_FAILED_ACTION_NEEDED' }), { erpBill: open, posted }).kind, 'conflict');
  for (const state of ['in_process', 'unknown'] as const) {
    const d = planPayment(app({ state, statusText: 'VOID_PENDING' }), { erpBill: open, posted });
    assert.deepEqual([d.kind, d.kind === 'unchanged' ? d.targetId : null], ['unchanged', 'p1']);
  }
});
