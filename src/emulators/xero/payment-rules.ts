import { minorDigits } from '../../core/money.ts';
import { parseInputDate } from './dates.ts';
import { RATE_SCALE, parseScaled } from './decimal.ts';
import { amountDue } from './json.ts';
import type { Account, Invoice, Payment } from './model.ts';
import { done, emit, fail, has, isObj, str, type In, type WriteCtx, type WriteResult } from './write.ts';

/**
 * Payments against invoices (XS `Payment`; A7, A8.8): only AUTHORISED documents, never more than
 * AmountDue, from a BANK account or one with EnablePaymentsToAccount. A payment that brings AmountDue
 * to zero makes the document PAID with FullyPaidOnDate; deleting a payment (Status DELETED, the only
 * change Xero allows) restores AmountDue and AUTHORISED. Each change bumps the invoice's
 * UpdatedDateUTC and raises an INVOICE UPDATE event; Xero has no payment webhooks (XW).
 */

export const ONLY_AUTHORISED = 'Payments can only be made against Authorised documents';
export const EXCEEDS_OUTSTANDING = 'Payment amount exceeds the amount outstanding on this document';
export const ACCOUNT_REQUIRED = 'You must specify and Account code or Account ID for the payment';
export const DOCUMENT_NOT_FOUND = 'The document with the supplied id was not found for this endpoint.';

function findInvoice(w: WriteCtx, input: In): Invoice | string {
  const ref = isObj(input.Invoice) ? input.Invoice : input;
  const id = str(ref, 'InvoiceID');
  const number = str(ref, 'InvoiceNumber') ?? str(input, 'InvoiceNumber');
  if (id) return w.tenant.invoices.get(id.toLowerCase()) ?? DOCUMENT_NOT_FOUND;
  if (number) {
    const want = number.trim().toLowerCase();
    const matches = [...w.tenant.invoices.values()].filter((i) => i.Status !== 'DELETED' && i.InvoiceNumber?.toLowerCase() === want);
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) return `More than one document has the number '${number}': identify it by InvoiceID.`;
    return DOCUMENT_NOT_FOUND;
  }
  return 'You must specify an InvoiceID or InvoiceNumber for the payment.';
}

function findAccount(w: WriteCtx, input: In): Account | string {
  const ref = isObj(input.Account) ? input.Account : {};
  const id = str(ref, 'AccountID');
  const code = str(ref, 'Code') ?? str(input, 'Code');
  if (id) return w.tenant.accounts.get(id.toLowerCase()) ?? `The account with AccountID '${id}' could not be found.`;
  if (code) return w.tenant.accountByCode(code) ?? `Account code '${code}' does not match a recognised account.`;
  return ACCOUNT_REQUIRED;
}

export function createPayment(w: WriteCtx, input: In): WriteResult<Payment> {
  const errors: string[] = [];
  const invoice = findInvoice(w, input);
  if (typeof invoice === 'string') errors.push(invoice);
  const account = findAccount(w, input);
  if (typeof account === 'string') errors.push(account);
  else if (account.Type !== 'BANK' && !account.EnablePaymentsToAccount) {
    errors.push('Payments can only be made to or from a BANK account or an account with EnablePaymentsToAccount set.');
  } else if (account.Status !== 'ACTIVE') {
    errors.push(`The account '${account.Name}' is archived.`);
  }
  const date = has(input, 'Date') ? parseInputDate(input.Date) : null;
  if (date === null) errors.push(has(input, 'Date') ? `Date '${String(input.Date)}' is not a valid date.` : 'A Date must be supplied for the payment.');
  const status = str(input, 'Status')?.toUpperCase();
  if (status !== undefined && status !== 'AUTHORISED') errors.push('A new payment must have Status AUTHORISED.');
  let amount: bigint | null = null;
  if (typeof invoice !== 'string') {
    if (invoice.Status !== 'AUTHORISED') errors.push(ONLY_AUTHORISED);
    if (!has(input, 'Amount')) errors.push('An Amount must be supplied for the payment.');
    else {
      amount = parseScaled(input.Amount, minorDigits(invoice.CurrencyCode));
      if (amount === null || amount <= 0n) errors.push(`Payment amount '${String(input.Amount)}' must be a number greater than zero.`);
      else if (invoice.Status === 'AUTHORISED' && amount > amountDue(invoice)) errors.push(EXCEEDS_OUTSTANDING);
    }
  }
  const rate = has(input, 'CurrencyRate') ? parseScaled(input.CurrencyRate, RATE_SCALE) : undefined;
  if (rate === null || (rate !== undefined && rate <= 0n)) errors.push(`CurrencyRate '${String(input.CurrencyRate)}' is not valid.`);
  if (errors.length || typeof invoice === 'string' || typeof account === 'string' || amount === null || date === null) return fail(errors);

  const payment: Payment = {
    PaymentID: w.tenant.uuid(),
    InvoiceID: invoice.InvoiceID,
    AccountID: account.AccountID,
    Date: date,
    Amount: amount,
    CurrencyRate: rate ?? invoice.CurrencyRate,
    Status: 'AUTHORISED',
    PaymentType: invoice.Type === 'ACCPAY' ? 'ACCPAYPAYMENT' : 'ACCRECPAYMENT',
    IsReconciled: input.IsReconciled === true,
    UpdatedDateUTC: w.now,
  };
  const reference = str(input, 'Reference');
  if (reference !== undefined) payment.Reference = reference;
  w.tenant.payments.set(payment.PaymentID, payment);
  const paid: Invoice = { ...invoice, AmountPaid: invoice.AmountPaid + amount, UpdatedDateUTC: w.now };
  if (amountDue(paid) === 0n) {
    paid.Status = 'PAID';
    paid.FullyPaidOnDate = date;
  }
  w.tenant.invoices.set(paid.InvoiceID, paid);
  emit(w, 'INVOICE', 'UPDATE', paid.InvoiceID);
  return done(payment);
}

/** POST /Payments/{id} with `Status: DELETED`, the one change Xero allows on a payment (XS). */
export function deletePayment(w: WriteCtx, payment: Payment, input: In): WriteResult<Payment> {
  const status = str(input, 'Status')?.toUpperCase();
  if (status !== 'DELETED') return fail(['A payment can only be deleted: send Status DELETED.']);
  if (payment.Status === 'DELETED') return fail(['This payment has already been deleted.']);
  const deleted: Payment = { ...payment, Status: 'DELETED', UpdatedDateUTC: w.now };
  w.tenant.payments.set(deleted.PaymentID, deleted);
  const invoice = w.tenant.invoices.get(payment.InvoiceID);
  if (invoice) {
    const restored: Invoice = { ...invoice, AmountPaid: invoice.AmountPaid - payment.Amount, UpdatedDateUTC: w.now };
    if (restored.Status === 'PAID') restored.Status = 'AUTHORISED';
    delete restored.FullyPaidOnDate;
    w.tenant.invoices.set(restored.InvoiceID, restored);
    emit(w, 'INVOICE', 'UPDATE', restored.InvoiceID);
  }
  return done(deleted);
}
