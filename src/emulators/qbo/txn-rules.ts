import { businessValidation, duplicateDocNumber, invalidReference, requiredParam, stringTooLong, validation } from './errors.ts';
import { fromCents, toCents } from './money.ts';
import { isObject, readRef, resolveRef } from './refs.ts';
import type { Realm } from './store.ts';

/**
 * Transactions (Finance.xsd Bill, PurchaseOrder, BillPayment): required fields (B6, B8.9), DocNumber
 * at most 21 characters (B8.8), totals and balances kept by the emulator (TotalAmt, Balance are
 * read-only to a client).
 */

export interface WriteOptions {
  /** `include=allowduplicatedocnum` bypasses the duplicate bill number check (B6). */
  allowDuplicateDocNumber: boolean;
  today: string;
}

function docNumber(fields: Record<string, unknown>): string | undefined {
  if (fields.DocNumber === undefined || fields.DocNumber === null) return undefined;
  const doc = String(fields.DocNumber);
  if (doc.length > 21) throw stringTooLong('DocNumber', 21);
  return doc;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
function date(fields: Record<string, unknown>, element: string, fallback?: string): string | undefined {
  const v = fields[element];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !DATE.test(v.slice(0, 10))) throw validation('2010', 'Request has invalid or unsupported property', `Property Name:${element} has an invalid date: ${String(v)}`, element);
  return v.slice(0, 10);
}

/** Expense lines: account-based (AccountRef) or item-based (ItemRef, Qty, UnitPrice); returns lines and their total. */
function expenseLines(realm: Realm, raw: unknown): { lines: Record<string, unknown>[]; total: number } {
  if (!Array.isArray(raw) || raw.length === 0) throw requiredParam('Line');
  let total = 0;
  const lines = raw.map((line: unknown, i) => {
    if (!isObject(line)) throw requiredParam('Line');
    if (line.Amount === undefined) throw requiredParam('Line.Amount');
    const cents = toCents(line.Amount, 'Line.Amount');
    total += cents;
    const out: Record<string, unknown> = { Id: String(i + 1), LineNum: i + 1, ...line, Amount: fromCents(cents) };
    if (line.DetailType === 'AccountBasedExpenseLineDetail') {
      const d = isObject(line.AccountBasedExpenseLineDetail) ? line.AccountBasedExpenseLineDetail : {};
      const detail: Record<string, unknown> = { ...d, AccountRef: resolveRef(realm, 'Account', d.AccountRef, 'AccountRef', true)!.ref, BillableStatus: d.BillableStatus ?? 'NotBillable' };
      const cls = resolveRef(realm, 'Class', d.ClassRef, 'ClassRef', false);
      if (cls) detail.ClassRef = cls.ref;
      detail.TaxCodeRef = d.TaxCodeRef ?? { value: 'NON' };
      out.AccountBasedExpenseLineDetail = detail;
    } else if (line.DetailType === 'ItemBasedExpenseLineDetail') {
      const d = isObject(line.ItemBasedExpenseLineDetail) ? line.ItemBasedExpenseLineDetail : {};
      const detail: Record<string, unknown> = { ...d, ItemRef: resolveRef(realm, 'Item', d.ItemRef, 'ItemRef', true)!.ref, BillableStatus: d.BillableStatus ?? 'NotBillable' };
      const cls = resolveRef(realm, 'Class', d.ClassRef, 'ClassRef', false);
      if (cls) detail.ClassRef = cls.ref;
      detail.TaxCodeRef = d.TaxCodeRef ?? { value: 'NON' };
      out.ItemBasedExpenseLineDetail = detail;
    } else {
      throw validation('2020', 'Required param missing, need to supply the required value for the API', 'Required parameter Line.DetailType is missing in the request', 'Line.DetailType');
    }
    return out;
  });
  return { lines, total };
}

/** The common part of a Bill and a PurchaseOrder (Finance.xsd PurchaseByVendor). */
function purchaseByVendor(realm: Realm, fields: Record<string, unknown>, opts: WriteOptions): { out: Record<string, unknown>; total: number } {
  const vendor = resolveRef(realm, 'Vendor', fields.VendorRef, 'VendorRef', true)!;
  const { lines, total } = expenseLines(realm, fields.Line);
  const out: Record<string, unknown> = { ...fields, VendorRef: vendor.ref, Line: lines, TxnDate: date(fields, 'TxnDate', opts.today), TotalAmt: fromCents(total) };
  const doc = docNumber(fields);
  if (doc !== undefined) out.DocNumber = doc;
  const ap = readRef(fields.APAccountRef, 'APAccountRef') ? resolveRef(realm, 'Account', fields.APAccountRef, 'APAccountRef', true)! : defaultAp(realm);
  if (ap) out.APAccountRef = ap.ref;
  const dept = resolveRef(realm, 'Department', fields.DepartmentRef, 'DepartmentRef', false);
  if (dept) out.DepartmentRef = dept.ref;
  out.CurrencyRef = fields.CurrencyRef ?? { value: 'USD', name: 'United States Dollar' };
  return { out, total };
}

/** "APAccountRef should always be specified or a default will be used" (B6): the first active AP account. */
function defaultAp(realm: Realm): { ref: { value: string; name: string } } | undefined {
  const ap = realm.all('Account').find((a) => a.AccountType === 'Accounts Payable' && a.Active !== false);
  return ap ? { ref: { value: ap.Id, name: String(ap.Name) } } : undefined;
}

/** Cents paid on a bill by every BillPayment, except the one being rewritten. */
export function paidOn(realm: Realm, billId: string, exceptPaymentId?: string): number {
  let paid = 0;
  for (const p of realm.all('BillPayment')) {
    if (p.Id === exceptPaymentId) continue;
    for (const line of (p.Line as Record<string, unknown>[]) ?? []) {
      const linked = (line.LinkedTxn as { TxnId: string; TxnType: string }[]) ?? [];
      if (linked.some((l) => l.TxnType === 'Bill' && l.TxnId === billId)) paid += toCents(line.Amount, 'Amount');
    }
  }
  return paid;
}

export function billFields(realm: Realm, fields: Record<string, unknown>, id: string | undefined, opts: WriteOptions): Record<string, unknown> {
  const { out, total } = purchaseByVendor(realm, fields, opts);
  const doc = out.DocNumber as string | undefined;
  if (doc !== undefined && realm.warnDuplicateBillNumber && !opts.allowDuplicateDocNumber) {
    const clash = realm.all('Bill').find((b) => b.Id !== id && b.DocNumber === doc);
    if (clash) throw duplicateDocNumber(doc, 'Bill', clash.Id);
  }
  const paid = id ? paidOn(realm, id) : 0;
  if (paid > total) throw businessValidation('The bill amount cannot be less than the amount already paid on it.', 'TotalAmt');
  out.DueDate = date(fields, 'DueDate', out.TxnDate as string);
  out.Balance = fromCents(total - paid);
  return out;
}

export function purchaseOrderFields(realm: Realm, fields: Record<string, unknown>, opts: WriteOptions): Record<string, unknown> {
  const { out } = purchaseByVendor(realm, fields, opts);
  const status = fields.POStatus ?? 'Open';
  if (status !== 'Open' && status !== 'Closed') throw validation('2170', 'Invalid Enumeration', `Invalid Enumeration : ${String(status)}`, 'POStatus');
  out.POStatus = status;
  return out;
}

/** BillPayment (B6): vendor, PayType with its account, TotalAmt, lines linked to the same vendor's bills within their balance. */
export function billPaymentFields(realm: Realm, fields: Record<string, unknown>, id: string | undefined, opts: WriteOptions): Record<string, unknown> {
  const vendor = resolveRef(realm, 'Vendor', fields.VendorRef, 'VendorRef', true)!;
  if (fields.TotalAmt === undefined) throw requiredParam('TotalAmt');
  const totalCents = toCents(fields.TotalAmt, 'TotalAmt');
  const out: Record<string, unknown> = { ...fields, VendorRef: vendor.ref, TxnDate: date(fields, 'TxnDate', opts.today), TotalAmt: fromCents(totalCents) };
  if (fields.PayType === 'Check') {
    const check = isObject(fields.CheckPayment) ? fields.CheckPayment : {};
    const bank = resolveRef(realm, 'Account', check.BankAccountRef, 'CheckPayment.BankAccountRef', true)!;
    if (bank.record.AccountType !== 'Bank') throw invalidReference('CheckPayment.BankAccountRef', bank.ref.value);
    out.CheckPayment = { ...check, BankAccountRef: bank.ref, PrintStatus: check.PrintStatus ?? 'NeedToPrint' };
  } else if (fields.PayType === 'CreditCard') {
    const card = isObject(fields.CreditCardPayment) ? fields.CreditCardPayment : {};
    const cc = resolveRef(realm, 'Account', card.CCAccountRef, 'CreditCardPayment.CCAccountRef', true)!;
    if (cc.record.AccountType !== 'Credit Card') throw invalidReference('CreditCardPayment.CCAccountRef', cc.ref.value);
    out.CreditCardPayment = { ...card, CCAccountRef: cc.ref };
  } else {
    throw requiredParam('PayType');
  }
  const doc = docNumber(fields);
  if (doc !== undefined) out.DocNumber = doc;
  if (!Array.isArray(fields.Line) || fields.Line.length === 0) throw requiredParam('Line');
  let linesCents = 0;
  out.Line = fields.Line.map((line: unknown) => {
    if (!isObject(line) || line.Amount === undefined) throw requiredParam('Line.Amount');
    const cents = toCents(line.Amount, 'Line.Amount');
    const linked = Array.isArray(line.LinkedTxn) ? line.LinkedTxn : [];
    const billLink = linked.find((l: unknown) => isObject(l) && l.TxnType === 'Bill') as { TxnId?: unknown } | undefined;
    if (!billLink) throw requiredParam('Line.LinkedTxn');
    const bill = realm.get('Bill', String(billLink.TxnId));
    if (!bill) throw validation('610', 'Object Not Found', `Object Not Found : Something you're trying to use has been made inactive. Bill Id=${String(billLink.TxnId)}`, 'Line.LinkedTxn');
    // Linking transactions of different vendors is 620 (B7).
    if ((bill.VendorRef as { value: string }).value !== vendor.ref.value) throw validation('620', 'TxnID Cannot Be Linked', 'Transaction cannot be linked: the bill belongs to another vendor.', 'Line.LinkedTxn');
    const open = toCents(bill.TotalAmt, 'TotalAmt') - paidOn(realm, bill.Id, id);
    if (cents > open) throw businessValidation(`The payment amount exceeds the open balance of bill ${bill.Id}.`, 'Line.Amount');
    linesCents += cents;
    return { Amount: fromCents(cents), LinkedTxn: [{ TxnId: bill.Id, TxnType: 'Bill' }] };
  });
  if (linesCents > totalCents) throw businessValidation('The total amount must be at least the sum of the lines.', 'TotalAmt');
  const ap = readRef(fields.APAccountRef, 'APAccountRef') ? resolveRef(realm, 'Account', fields.APAccountRef, 'APAccountRef', true)! : defaultAp(realm);
  if (ap) out.APAccountRef = ap.ref;
  out.CurrencyRef = fields.CurrencyRef ?? { value: 'USD', name: 'United States Dollar' };
  return out;
}
