/**
 * How payments move bill balances. BILL says `paidAmount` is "cleared payments + credits" (A5); the
 * emulator splits every payment's `singleStatus` (A6, [BD:single-status-payment-values]) into three
 * effects on its bills:
 * - void: CANCELED, VOIDED, FUNDING_FAILED_VOIDED — no effect, the due amount is restored;
 * - scheduled: SCHEDULED, FUNDING_STARTED, FUNDING_FAILED_ACTION_NEEDED — money committed, not yet sent;
 * - paid: every other status (PROCESSED, SENT, DELIVERED, CLEARED, VOID_PENDING, DISBURSEMENT_*, ...).
 * dueAmount = amount − paid − scheduled, so a bill can never be paid beyond its amount.
 */
import { BillApiError, badRequest } from './errors.ts';
import type { Bill, Organization, Payment } from './model.ts';

export const singleStatuses = [
  'SCHEDULED',
  'FUNDING_STARTED',
  'PROCESSED',
  'SENT',
  'DELIVERED',
  'CLEARED',
  'CANCELED',
  'VOIDED',
  'VOID_PENDING',
  'EXPIRING',
  'FUNDING_FAILED_VOIDED',
  'FUNDING_FAILED_ACTION_NEEDED',
  'DISBURSEMENT_ON_HOLD',
  'DISBURSEMENT_FAILED_ACTION_NEEDED',
  'DISBURSEMENT_FAILED_VENDOR_BANK_REJECTED',
  'FUNDS_ESCHEATED',
] as const;

const voidStatuses = new Set(['CANCELED', 'VOIDED', 'FUNDING_FAILED_VOIDED']);
const scheduledStatuses = new Set(['SCHEDULED', 'FUNDING_STARTED', 'FUNDING_FAILED_ACTION_NEEDED']);
/** Statuses that also raise `payment.failed` ([BD:notification-payloads-reference]). */
export const failedStatuses = new Set([
  'FUNDING_FAILED_VOIDED',
  'FUNDING_FAILED_ACTION_NEEDED',
  'DISBURSEMENT_FAILED_ACTION_NEEDED',
  'DISBURSEMENT_FAILED_VENDOR_BANK_REJECTED',
]);

export type PaymentEffect = 'void' | 'scheduled' | 'paid';

export function effectOf(singleStatus: string): PaymentEffect {
  if (voidStatuses.has(singleStatus)) return 'void';
  if (scheduledStatuses.has(singleStatus)) return 'scheduled';
  return 'paid';
}

/** The older raw `status` (observed APPROVING|SCHEDULED|PAID|CANCELLED|VOID|ARCHIVED, [BPM]) for a singleStatus. */
export function rawStatus(singleStatus: string): string {
  if (singleStatus === 'CANCELED') return 'CANCELLED';
  const effect = effectOf(singleStatus);
  return effect === 'void' ? 'VOID' : effect === 'scheduled' ? 'SCHEDULED' : 'PAID';
}

/** `disbursementStatus` (observed DONE|FAILED|HOLD, [BPM]); absent while nothing was disbursed. */
export function disbursementStatus(singleStatus: string): string | undefined {
  if (['CLEARED', 'DELIVERED', 'FUNDS_ESCHEATED'].includes(singleStatus)) return 'DONE';
  if (singleStatus.startsWith('DISBURSEMENT_FAILED')) return 'FAILED';
  if (singleStatus === 'DISBURSEMENT_ON_HOLD') return 'HOLD';
  return undefined;
}

export interface BillTotals {
  amount: bigint;
  paid: bigint;
  scheduled: bigint;
  due: bigint;
}

export function billAmount(bill: Bill): bigint {
  return bill.lines.reduce((sum, l) => sum + l.amount, 0n);
}

/** Paid and scheduled amounts from the bill's payments, optionally leaving one payment out. */
export function billTotals(org: Organization, bill: Bill, excludePaymentId?: string): BillTotals {
  const amount = billAmount(bill);
  let paid = 0n;
  let scheduled = 0n;
  for (const pid of org.paymentsByBill.get(bill.id) ?? []) {
    if (pid === excludePaymentId) continue;
    const p = org.payments.get(pid);
    if (!p) continue;
    const effect = effectOf(p.singleStatus);
    if (effect === 'void') continue;
    for (const bp of p.billPayments) {
      if (bp.billId !== bill.id) continue;
      if (effect === 'paid') paid += bp.amount;
      else scheduled += bp.amount;
    }
  }
  return { amount, paid, scheduled, due: amount - paid - scheduled };
}

/**
 * `paymentStatus`: PAID when nothing is due and something was paid, SCHEDULED while a payment is in
 * flight, the configured partial status (default PARTIAL, unverified in A5) when paid in part, else UNPAID.
 */
export function paymentStatusOf(totals: BillTotals, partialStatus: string): string {
  if (totals.due <= 0n && totals.paid > 0n && totals.scheduled === 0n) return 'PAID';
  if (totals.scheduled > 0n) return 'SCHEDULED';
  if (totals.paid > 0n) return partialStatus;
  return 'UNPAID';
}

export function checkSingleStatus(value: unknown): string {
  if (typeof value !== 'string' || !(singleStatuses as readonly string[]).includes(value)) {
    throw badRequest(`singleStatus must be one of ${singleStatuses.join(', ')}.`);
  }
  return value;
}

/** Refuses a status change the emulator does not model: cancelling is only possible while scheduled ([BPM] cancel). */
export function checkTransition(payment: Payment, next: string): void {
  if (next === 'CANCELED' && effectOf(payment.singleStatus) !== 'scheduled') {
    throw new BillApiError(409, [{ code: 'BDC_1002', message: `Payment ${payment.id} is ${payment.singleStatus} and can no longer be canceled.` }]);
  }
}
