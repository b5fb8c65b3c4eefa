import { compareMoney, formatMoney, type Money } from '../../core/money.ts';
import type { BillPaymentApplication } from '../../model/types.ts';
import { skip, type Decision } from '../types.ts';
import type { PaymentPayload as ErpPaymentPayload } from '../../model/payloads.ts';

/** A payment to post on the ERP against the original bill. */
export type { PaymentPayload as ErpPaymentPayload } from '../../model/payloads.ts';

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
 * States in which the payment may still settle: kept pending and read again by id on every run
 * until it settles or is cancelled, whether or not BILL's updatedTime moves.
 */
export function awaitsSettlement(state: BillPaymentApplication['state']): boolean {
  return state === 'scheduled' || state === 'in_process' || state === 'failed' || state === 'unknown';
}

/**
 * Decides what one BILL payment application means for the ERP: post it once settled, remove a
 * posted payment that BILL cancelled or voided, and raise a conflict when the ERP bill cannot take
 * it or the money did not reach the vendor after all. Every lifecycle state is handled here on
 * purpose; a status the connector does not know is never posted.
 */
export function planPayment(app: BillPaymentApplication, ctx: PaymentContext): Decision<ErpPaymentPayload> {
  const amount = `${formatMoney(app.amount)} ${app.amount.currency}`;
  if (app.state === 'cancelled') {
    return ctx.posted
      ? { kind: 'delete', targetId: ctx.posted.targetId, reason: `BILL payment is ${app.statusText}` }
      : skip(`BILL payment is ${app.statusText}; nothing was posted`);
  }
  // Unclaimed funds handed to the state (FUNDS_ESCHEATED): the vendor was not paid.
  const escheated = `BILL payment of ${amount} is ${app.statusText}: the money went to the state as unclaimed property, not to the vendor, so the ERP bill must not be marked paid`;
  if (ctx.posted) {
    switch (app.state) {
      case 'escheated':
        return { kind: 'conflict', targetId: ctx.posted.targetId, reason: `${escheated}; the ERP payment posted earlier still marks it paid and needs a person` };
      case 'failed':
        return { kind: 'conflict', targetId: ctx.posted.targetId, reason: `BILL payment of ${amount} is ${app.statusText} after it was posted: the ERP bill shows it paid but the vendor has not been paid` };
      case 'unknown':
        return { kind: 'unchanged', targetId: ctx.posted.targetId, reason: `already posted; BILL payment status ${app.statusText} is not one ml-connector knows, so it is read again on every run` };
      case 'scheduled':
      case 'in_process':
        // A settled payment moving back (a void under way, a disbursement on hold) is watched until it settles either way.
        return { kind: 'unchanged', targetId: ctx.posted.targetId, reason: `already posted; BILL payment is ${app.statusText} now, so it is read again until it settles` };
      case 'settled':
        return { kind: 'unchanged', targetId: ctx.posted.targetId, reason: 'already posted' };
    }
  }
  if (!ctx.erpBill) return skip('the paid BILL bill was not synced from the ERP by ml-connector');
  switch (app.state) {
    case 'scheduled':
    case 'in_process':
      return skip(`BILL payment is ${app.statusText}; it is posted once the money has left`);
    case 'failed':
      return skip(`BILL payment is ${app.statusText}: the money has not reached the vendor; it is posted if BILL settles it`);
    case 'unknown':
      return skip(`BILL payment status ${app.statusText} is not one ml-connector knows; nothing is posted until BILL reports it settled`);
    case 'escheated':
      return { kind: 'conflict', reason: `${escheated}; nothing was posted` };
    case 'settled':
      break;
  }
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
