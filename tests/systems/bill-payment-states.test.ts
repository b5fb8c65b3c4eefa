/**
 * BILL payment statuses as the connector reads them: every documented `singleStatus` maps to one
 * lifecycle state on purpose, a status it does not know stays 'unknown', and payments read by id
 * take one list call per 50 ids instead of one GET each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { singleStatuses } from '../../src/emulators/bill/payments-logic.ts';
import type { PaymentLifecycleState } from '../../src/model/types.ts';
import { BillPort, paymentState } from '../../src/systems/bill/port.ts';
import { startBillHarness } from './bill-harness.ts';

/** What each documented status means for the money (reference A6, developer.bill.com single-status-payment-values). */
const expected: Record<(typeof singleStatuses)[number], PaymentLifecycleState> = {
  SCHEDULED: 'scheduled',
  FUNDING_STARTED: 'in_process',
  PROCESSED: 'settled',
  SENT: 'settled',
  DELIVERED: 'settled',
  CLEARED: 'settled',
  CANCELED: 'cancelled',
  VOIDED: 'cancelled',
  VOID_PENDING: 'in_process',
  EXPIRING: 'in_process',
  FUNDING_FAILED_VOIDED: 'cancelled',
  FUNDING_FAILED_ACTION_NEEDED: 'failed',
  DISBURSEMENT_ON_HOLD: 'in_process',
  DISBURSEMENT_FAILED_ACTION_NEEDED: 'failed',
  DISBURSEMENT_FAILED_VENDOR_BANK_REJECTED: 'failed',
  FUNDS_ESCHEATED: 'escheated',
};

test('BILL: every documented payment status is read as its lifecycle state, in one list call by id', async () => {
  const h = await startBillHarness({ seed: 21 });
  try {
    const org = h.emu.dump().organizations as { id: string; bills: { id: string; dueAmount: number }[] }[];
    const bill = org[0]!.bills.find((b) => b.dueAmount >= singleStatuses.length)!;
    assert.ok(bill, 'a seeded bill with enough due for one 1.00 payment per status');
    const paid = new Map(singleStatuses.map((s) => [h.emu.pay({ billId: bill.id, amount: '1.00', singleStatus: s }).id, s]));
    const hub = new BillPort(h.client().forOrg(org[0]!.id));
    const before = await h.stats();
    const apps = (await hub.getPaymentApplications([...paid.keys()])).items;
    const after = await h.stats();
    const calls = (s: typeof before, k: string) => s.callsByEndpoint[k] ?? 0;
    assert.equal(calls(after, 'GET /connect/v3/payments') - calls(before, 'GET /connect/v3/payments'), 1, 'one id:in list call for 16 payments');
    assert.equal(calls(after, 'GET /connect/v3/payments/:paymentId') - calls(before, 'GET /connect/v3/payments/:paymentId'), 0);
    assert.deepEqual(
      Object.fromEntries(apps.map((a) => [a.statusText, a.state])),
      expected,
    );
    assert.equal(apps.length, singleStatuses.length);
  } finally {
    await h.stop();
  }
});

test('BILL: a status the connector does not know is unknown, never pending, settled or cancelled by guess', () => {
  assert.equal(paymentState('PAYMENT_IN_REVIEW', 'PAID'), 'unknown', 'a coarse raw PAID does not settle an unknown singleStatus');
  assert.equal(paymentState('PAYMENT_IN_REVIEW', 'SCHEDULED'), 'unknown');
  assert.equal(paymentState('PAYMENT_IN_REVIEW', 'VOID'), 'cancelled', 'a raw void still says no money moved');
  assert.equal(paymentState(undefined, 'PAID'), 'settled', 'without singleStatus the raw status decides');
  assert.equal(paymentState(undefined, 'APPROVING'), 'scheduled');
  assert.equal(paymentState(undefined, 'ARCHIVED'), 'unknown');
  assert.equal(paymentState(undefined, 'UNDEFINED'), 'unknown');
  assert.equal(paymentState(undefined, undefined), 'unknown');
  assert.equal(paymentState('CLEARED', 'VOID'), 'settled', 'the unified singleStatus decides when it is known');
});
