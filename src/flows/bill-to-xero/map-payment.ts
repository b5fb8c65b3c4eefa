import { compareMoney, formatMoney, type Money } from '../../core/money.ts';
import type { BillPaymentApplication } from '../../model/types.ts';
import { skip, type Decision } from '../types.ts';

/** A payment to post on the ERP against the original bill. */
export interface ErpPaymentPayload {
  erpBillId: string;
  amount: Money;
  date: string;
  /** Names the BILL payment, so a lost response can be found again by reference. */
  reference: string;
  /** Id of the BILL application this payment mirrors (one ERP payment per application). */
  applicationId: string;
}

export interface PaymentContext {
  /** The ERP bill this BILL bill came from; null when the BILL bill was not created by ml-connector. */
  erpBill: { id: string; status: string; amountDue: Money | null; open: boolean } | null;
  /** The ERP payment already posted for this application. */
  posted: { targetId: string } | null;
}

/** "BILL <payment id> <application id>": both ids, so reconcile and duplicate checks can use either. */
export function paymentReference(app: BillPaymentApplication): string {
  return `BILL ${app.paymentId} ${app.id}`;
}

/**
 * Decides what one BILL payment application means for the ERP: post it once settled, remove a
 * posted payment that BILL cancelled or voided, and raise a conflict when the ERP bill cannot take it.
 */
export function planPayment(app: BillPaymentApplication, ctx: PaymentContext): Decision<ErpPaymentPayload> {
  if (app.state === 'cancelled') {
    return ctx.posted
      ? { kind: 'delete', targetId: ctx.posted.targetId, reason: `BILL payment is ${app.statusText}` }
      : skip(`BILL payment is ${app.statusText}; nothing was posted`);
  }
  if (ctx.posted) return { kind: 'unchanged', targetId: ctx.posted.targetId, reason: 'already posted' };
  if (!ctx.erpBill) return skip('the paid BILL bill was not synced from the ERP by ml-connector');
  if (app.state === 'pending') return skip(`BILL payment is ${app.statusText}; it is posted once the money has left`);
  if (!ctx.erpBill.open) {
    return { kind: 'conflict', reason: `BILL paid ${formatMoney(app.amount)} ${app.amount.currency} but the ERP bill is ${ctx.erpBill.status}` };
  }
  const due = ctx.erpBill.amountDue;
  // When the ERP bill's balance is not known here, the ERP itself refuses an over-payment.
  if (due && app.amount.currency !== due.currency) {
    return { kind: 'conflict', reason: `BILL paid in ${app.amount.currency} but the ERP bill is in ${due.currency}` };
  }
  if (due && compareMoney(app.amount, due) > 0) {
    return {
      kind: 'conflict',
      reason: `BILL paid ${formatMoney(app.amount)} but the ERP bill has only ${formatMoney(due)} ${app.amount.currency} outstanding`,
    };
  }
  const payload: ErpPaymentPayload = {
    erpBillId: ctx.erpBill.id,
    amount: app.amount,
    date: app.date,
    reference: paymentReference(app),
    applicationId: app.id,
  };
  return { kind: 'create', payload, hash: '' };
}
