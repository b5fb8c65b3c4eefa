import { isKnownCurrency } from '../../core/money.ts';
import { parseInputDate } from './dates.ts';
import { RATE_SCALE, parseScaled } from './decimal.ts';
import { resolveDocumentContact } from './contact-rules.ts';
import { buildLines, sameAmounts, totalsOf } from './lines.ts';
import type { Contact, Invoice, InvoiceStatus, InvoiceType, LineAmountTypes } from './model.ts';
import type { Tenant } from './tenant.ts';
import { done, emit, fail, has, isObj, str, type In, type WriteCtx, type WriteResult } from './write.ts';

/**
 * Invoices and bills (A7, A8.7; XHELP for the product's edit/void/delete rules):
 * - create as DRAFT, SUBMITTED or AUTHORISED only; PAID comes from payments;
 * - DRAFT/SUBMITTED can be edited freely and DELETED; AUTHORISED without payments can be edited and
 *   VOIDED, never deleted; a document with payments accepts no change to its amounts, contact,
 *   currency, date or number; VOIDED and DELETED documents are immutable;
 * - ACCREC numbers are unique (auto-numbered INV-0001… when omitted), ACCPAY numbers may repeat.
 * Messages quoted from the reference are exact; the others are marked UNVERIFIED in the docs.
 */

export const NOT_VALID_FOR_CREATION = 'Invoice not of valid status for creation';
export const NOT_VALID_FOR_MODIFICATION = 'Invoice not of valid status for modification';
export const PAID_LINE_NEEDS_ID = 'To update fields on a paid invoice line item, you must supply a LineItemID';
export const NUMBER_NOT_UNIQUE = 'Invoice # must be unique.';

const CREATE_STATUSES: InvoiceStatus[] = ['DRAFT', 'SUBMITTED', 'AUTHORISED'];

const ALLOWED_MOVES: Record<InvoiceStatus, InvoiceStatus[]> = {
  DRAFT: ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'DELETED'],
  SUBMITTED: ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'DELETED'],
  AUTHORISED: ['AUTHORISED', 'VOIDED'],
  PAID: ['PAID'],
  VOIDED: [],
  DELETED: [],
};

/** Rates used when the caller gives none: foreign units per one unit of base currency, × 10^6 (fixed, documented). */
export const DEFAULT_RATES: Record<string, bigint> = { USD: 1_000_000n, EUR: 920_000n, GBP: 790_000n, CAD: 1_370_000n, AUD: 1_530_000n };

export function defaultRate(t: Tenant, currency: string): bigint {
  if (currency === t.organisation.BaseCurrency) return 1_000_000n;
  const base = DEFAULT_RATES[t.organisation.BaseCurrency] ?? 1_000_000n;
  const foreign = DEFAULT_RATES[currency] ?? 1_000_000n;
  return (foreign * 1_000_000n) / base;
}

function readLineAmountTypes(v: unknown, errors: string[]): LineAmountTypes | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).toLowerCase();
  if (s === 'exclusive') return 'Exclusive';
  if (s === 'inclusive') return 'Inclusive';
  if (s === 'notax') return 'NoTax';
  errors.push(`LineAmountTypes '${String(v)}' is not valid: use Exclusive, Inclusive or NoTax.`);
  return undefined;
}

function readDate(o: In, k: string, errors: string[]): string | undefined {
  if (!has(o, k)) return undefined;
  const d = parseInputDate(o[k]);
  if (d === null) errors.push(`${k} '${String(o[k])}' is not a valid date.`);
  return d ?? undefined;
}

function readCurrency(t: Tenant, o: In, errors: string[]): string | undefined {
  if (!has(o, 'CurrencyCode')) return undefined;
  const c = String(o.CurrencyCode).toUpperCase();
  if (!isKnownCurrency(c) || !(c in DEFAULT_RATES)) {
    errors.push(`The currency code '${String(o.CurrencyCode)}' is not enabled for this organisation.`);
    return undefined;
  }
  return c;
}

function readRate(o: In, errors: string[]): bigint | undefined {
  if (!has(o, 'CurrencyRate')) return undefined;
  const r = parseScaled(o.CurrencyRate, RATE_SCALE);
  if (r === null || r <= 0n) {
    errors.push(`CurrencyRate '${String(o.CurrencyRate)}' is not valid.`);
    return undefined;
  }
  return r;
}

function numberTaken(t: Tenant, number: string, exceptId?: string): boolean {
  const want = number.trim().toLowerCase();
  for (const inv of t.invoices.values()) {
    if (inv.Type === 'ACCREC' && inv.InvoiceID !== exceptId && inv.Status !== 'DELETED' && inv.InvoiceNumber?.trim().toLowerCase() === want) return true;
  }
  return false;
}

function nextAccrecNumber(t: Tenant): string {
  for (;;) {
    t.counters.invoiceNumber += 1;
    const n = `INV-${String(t.counters.invoiceNumber).padStart(4, '0')}`;
    if (!numberTaken(t, n)) return n;
  }
}

/** Sets IsSupplier/IsCustomer once a bill/invoice exists; Xero does not bump UpdatedDateUTC for it (A4). */
function markContact(t: Tenant, contact: Contact, type: InvoiceType): void {
  const cur = t.contacts.get(contact.ContactID) ?? contact;
  if (type === 'ACCPAY' && !cur.IsSupplier) t.contacts.set(cur.ContactID, { ...cur, IsSupplier: true });
  if (type === 'ACCREC' && !cur.IsCustomer) t.contacts.set(cur.ContactID, { ...cur, IsCustomer: true });
}

export function createInvoice(w: WriteCtx, input: In): WriteResult<Invoice> {
  const t = w.tenant;
  const errors: string[] = [];
  const typeRaw = str(input, 'Type')?.toUpperCase();
  if (typeRaw !== 'ACCPAY' && typeRaw !== 'ACCREC') {
    return fail([typeRaw ? `Invoice Type '${typeRaw}' is not valid for this endpoint: use ACCPAY or ACCREC.` : 'Invoice Type must be specified (ACCPAY or ACCREC).']);
  }
  const type: InvoiceType = typeRaw;
  const statusRaw = (str(input, 'Status') ?? 'DRAFT').toUpperCase() as InvoiceStatus;
  if (!CREATE_STATUSES.includes(statusRaw)) errors.push(NOT_VALID_FOR_CREATION);
  const contact = resolveDocumentContact(w, input.Contact);
  if (!contact.ok) errors.push(...contact.messages);
  const lat = readLineAmountTypes(input.LineAmountTypes, errors) ?? 'Exclusive';
  const currency = readCurrency(t, input, errors) ?? t.organisation.BaseCurrency;
  const rate = readRate(input, errors) ?? defaultRate(t, currency);
  const date = readDate(input, 'Date', errors) ?? w.today;
  const dueDate = readDate(input, 'DueDate', errors);
  const planned = readDate(input, 'PlannedPaymentDate', errors);
  if (!Array.isArray(input.LineItems) || input.LineItems.length === 0) errors.push('At least one line item is required.');
  const lines = buildLines(
    { tenant: t, allowDiscounts: type === 'ACCREC', currency, lineAmountTypes: lat, unitdp4: w.unitdp4, requireAccount: statusRaw !== 'DRAFT' },
    Array.isArray(input.LineItems) ? input.LineItems : [],
    [],
    errors,
  );
  const totals = totalsOf(lines, lat);
  if (totals.Total < 0n) errors.push('The document total cannot be negative.');
  let number = str(input, 'InvoiceNumber')?.trim();
  if (number !== undefined && number.length > 255) errors.push('InvoiceNumber must be 255 characters or fewer.');
  if (type === 'ACCREC') {
    if (number === undefined || number === '') number = errors.length ? undefined : nextAccrecNumber(t);
    else if (numberTaken(t, number)) errors.push(NUMBER_NOT_UNIQUE);
  }
  if (errors.length || !contact.ok) return fail(errors);
  const inv: Invoice = {
    InvoiceID: t.uuid(),
    Type: type,
    ContactID: contact.record.ContactID,
    Status: statusRaw,
    LineAmountTypes: lat,
    Date: date,
    CurrencyCode: currency,
    CurrencyRate: rate,
    LineItems: lines,
    ...totals,
    AmountPaid: 0n,
    AmountCredited: 0n,
    SentToContact: false,
    UpdatedDateUTC: w.now,
  };
  if (dueDate !== undefined) inv.DueDate = dueDate;
  if (number !== undefined && number !== '') inv.InvoiceNumber = number;
  const reference = str(input, 'Reference');
  if (reference !== undefined) inv.Reference = reference;
  const url = str(input, 'Url');
  if (url !== undefined) inv.Url = url;
  if (planned !== undefined && type === 'ACCPAY') inv.PlannedPaymentDate = planned;
  t.invoices.set(inv.InvoiceID, inv);
  markContact(t, contact.record, type);
  emit(w, 'INVOICE', 'CREATE', inv.InvoiceID);
  return done(inv);
}

export function updateInvoice(w: WriteCtx, existing: Invoice, input: In): WriteResult<Invoice> {
  const t = w.tenant;
  const errors: string[] = [];
  if (existing.Status === 'VOIDED' || existing.Status === 'DELETED') return fail([NOT_VALID_FOR_MODIFICATION]);
  const typeRaw = str(input, 'Type')?.toUpperCase();
  if (typeRaw !== undefined && typeRaw !== existing.Type) errors.push('The Type of an existing invoice cannot be changed.');
  const status = (str(input, 'Status')?.toUpperCase() ?? existing.Status) as InvoiceStatus;
  const paid = existing.AmountPaid > 0n || existing.AmountCredited > 0n;
  if (!ALLOWED_MOVES[existing.Status].includes(status)) errors.push(NOT_VALID_FOR_MODIFICATION);
  else if (status === 'VOIDED' && paid) errors.push('This document cannot be voided because it has payments allocated. Remove the payments first.');

  let contactId = existing.ContactID;
  if (has(input, 'Contact')) {
    const c = resolveDocumentContact(w, input.Contact);
    if (!c.ok) errors.push(...c.messages);
    else contactId = c.record.ContactID;
  }
  const lat = readLineAmountTypes(input.LineAmountTypes, errors) ?? existing.LineAmountTypes;
  const currency = readCurrency(t, input, errors) ?? existing.CurrencyCode;
  const rate = readRate(input, errors) ?? (currency === existing.CurrencyCode ? existing.CurrencyRate : defaultRate(t, currency));
  const date = readDate(input, 'Date', errors) ?? existing.Date;
  const dueDate = has(input, 'DueDate') ? readDate(input, 'DueDate', errors) : existing.DueDate;
  const planned = has(input, 'PlannedPaymentDate') ? readDate(input, 'PlannedPaymentDate', errors) : existing.PlannedPaymentDate;
  const number = has(input, 'InvoiceNumber') ? str(input, 'InvoiceNumber')!.trim() : existing.InvoiceNumber;
  const reference = has(input, 'Reference') ? str(input, 'Reference') : existing.Reference;
  const url = has(input, 'Url') ? str(input, 'Url') : existing.Url;
  const sent = typeof input.SentToContact === 'boolean' ? input.SentToContact : existing.SentToContact;

  const rules = {
    tenant: t,
    allowDiscounts: existing.Type === 'ACCREC',
    currency,
    lineAmountTypes: lat,
    unitdp4: w.unitdp4,
    requireAccount: status === 'SUBMITTED' || status === 'AUTHORISED',
    previousLineAmountTypes: existing.LineAmountTypes,
  };
  let lines = existing.LineItems;
  if (has(input, 'LineItems')) {
    if (paid && Array.isArray(input.LineItems)) {
      const known = new Set(existing.LineItems.map((l) => l.LineItemID));
      const allNamed = input.LineItems.every((l) => isObj(l) && typeof l.LineItemID === 'string' && known.has(l.LineItemID.toLowerCase()));
      if (!allNamed) errors.push(PAID_LINE_NEEDS_ID);
    }
    lines = buildLines(rules, input.LineItems, existing.LineItems, errors);
    if (Array.isArray(input.LineItems) && input.LineItems.length === 0) errors.push('At least one line item is required.');
  } else if (lat !== existing.LineAmountTypes || currency !== existing.CurrencyCode || rules.requireAccount) {
    // Re-derive amounts (tax depends on the line amount type) and re-check accounts on approval.
    lines = buildLines(rules, existing.LineItems.map((l) => ({ LineItemID: l.LineItemID })), existing.LineItems, errors);
  }
  const totals = totalsOf(lines, lat);
  if (paid) {
    const frozen =
      contactId !== existing.ContactID ||
      currency !== existing.CurrencyCode ||
      lat !== existing.LineAmountTypes ||
      date !== existing.Date ||
      number !== existing.InvoiceNumber ||
      url !== existing.Url;
    if (frozen) errors.push('The contact, currency, date, number, URL and line amount type of a document with payments cannot be changed.');
    if (!sameAmounts(existing.LineItems, lines) || totals.Total !== existing.Total) {
      errors.push('The amounts of a document with payments cannot be changed. Remove the payments first.');
    }
  }
  if (totals.Total < 0n) errors.push('The document total cannot be negative.');
  if (existing.Type === 'ACCREC' && number !== undefined && number !== existing.InvoiceNumber) {
    if (number === '') errors.push('InvoiceNumber cannot be empty on a sales invoice.');
    else if (numberTaken(t, number, existing.InvoiceID)) errors.push(NUMBER_NOT_UNIQUE);
  }
  if (errors.length) return fail(errors);

  const next: Invoice = {
    ...existing,
    ContactID: contactId,
    Status: status,
    LineAmountTypes: lat,
    Date: date,
    CurrencyCode: currency,
    CurrencyRate: rate,
    LineItems: lines,
    ...totals,
    SentToContact: sent,
  };
  const setOpt = <K extends 'DueDate' | 'PlannedPaymentDate' | 'InvoiceNumber' | 'Reference' | 'Url'>(k: K, v: Invoice[K] | undefined) => {
    if (v === undefined || v === '') delete next[k];
    else next[k] = v;
  };
  setOpt('DueDate', dueDate);
  setOpt('PlannedPaymentDate', existing.Type === 'ACCPAY' ? planned : undefined);
  setOpt('InvoiceNumber', number);
  setOpt('Reference', reference);
  setOpt('Url', url);
  // A documented blind spot (XRR, A8.9): on a document with payments, changing only the due date,
  // planned payment date or "sent" flag does not move UpdatedDateUTC, so If-Modified-Since misses it.
  const silent =
    paid &&
    next.Reference === existing.Reference &&
    JSON.stringify(lines, bigintJson) === JSON.stringify(existing.LineItems, bigintJson);
  if (!silent) next.UpdatedDateUTC = w.now;
  t.invoices.set(next.InvoiceID, next);
  if (contactId !== existing.ContactID) {
    const c = t.contacts.get(contactId);
    if (c) markContact(t, c, existing.Type);
  }
  if (!silent) emit(w, 'INVOICE', 'UPDATE', next.InvoiceID);
  return done(next);
}

const bigintJson = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** The invoice an element names: by InvoiceID, or by InvoiceNumber for ACCREC (unique there). */
export function findInvoiceFor(t: Tenant, input: In): Invoice | undefined | null {
  const id = str(input, 'InvoiceID');
  if (id !== undefined && id !== '') return t.invoices.get(id.toLowerCase()) ?? null;
  const number = str(input, 'InvoiceNumber');
  if (number !== undefined && number !== '' && str(input, 'Type')?.toUpperCase() !== 'ACCPAY') {
    const want = number.trim().toLowerCase();
    for (const inv of t.invoices.values()) {
      if (inv.Type === 'ACCREC' && inv.Status !== 'DELETED' && inv.InvoiceNumber?.toLowerCase() === want) return inv;
    }
  }
  return undefined;
}
