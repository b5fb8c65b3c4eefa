import { isKnownCurrency, money, parseMoney, type Money } from '../../core/money.ts';
import { UnreadableRecord } from '../unreadable.ts';
import type { Bill, BillStatus, GlAccount, PostalAddress, Vendor } from '../../model/types.ts';
import type { XeroAccount, XeroContact, XeroInvoice } from './schema.ts';

/** Xero account types → the canonical kinds (xero_accounting.yaml AccountType). */
const accountKinds: Record<string, GlAccount['kind']> = {
  BANK: 'bank',
  EXPENSE: 'expense', OVERHEADS: 'expense', DIRECTCOSTS: 'expense', DEPRECIATN: 'expense',
  CURRENT: 'asset', FIXED: 'asset', INVENTORY: 'asset', NONCURRENT: 'asset', PREPAYMENT: 'asset',
  CURRLIAB: 'liability', LIABILITY: 'liability', TERMLIAB: 'liability', PAYG: 'liability',
  EQUITY: 'equity',
  REVENUE: 'revenue', SALES: 'revenue', OTHERINCOME: 'revenue',
};

export function accountToModel(a: XeroAccount): GlAccount {
  return {
    id: a.AccountID,
    code: a.Code ?? null,
    name: a.Name,
    kind: accountKinds[a.Type] ?? 'other',
    active: (a.Status ?? 'ACTIVE') === 'ACTIVE',
    // Payments go to BANK accounts or accounts with "Enable payments to this account" (Xero Payments docs).
    acceptsPayments: a.Type === 'BANK' || a.EnablePaymentsToAccount === true,
  };
}

function addressOf(c: XeroContact): PostalAddress | null {
  const list = c.Addresses ?? [];
  const a = list.find((x) => x.AddressType === 'POBOX' && x.AddressLine1) ?? list.find((x) => x.AddressLine1);
  if (!a) return null;
  return {
    line1: a.AddressLine1 ?? null,
    line2: a.AddressLine2 ?? null,
    city: a.City ?? null,
    region: a.Region ?? null,
    postalCode: a.PostalCode ?? null,
    country: a.Country && /^[A-Za-z]{2}$/.test(a.Country) ? a.Country.toUpperCase() : (a.Country ?? null),
  };
}

function phoneOf(c: XeroContact): string | null {
  const p = (c.Phones ?? []).find((x) => x.PhoneType === 'DEFAULT' && x.PhoneNumber) ?? (c.Phones ?? []).find((x) => x.PhoneNumber);
  if (!p?.PhoneNumber) return null;
  return [p.PhoneCountryCode, p.PhoneAreaCode, p.PhoneNumber].filter(Boolean).join(' ');
}

export function contactToModel(c: XeroContact): Vendor {
  return {
    id: c.ContactID,
    name: c.Name,
    email: c.EmailAddress || null,
    phone: phoneOf(c),
    taxId: c.TaxNumber || null,
    address: addressOf(c),
    currency: c.DefaultCurrency ?? null,
    active: c.ContactStatus !== 'ARCHIVED' && c.ContactStatus !== 'GDPRREQUEST',
    updatedAt: c.UpdatedDateUTC ?? new Date(0).toISOString(),
  };
}

const statuses: Record<string, BillStatus> = {
  DRAFT: 'draft', SUBMITTED: 'submitted', AUTHORISED: 'approved', PAID: 'paid', VOIDED: 'voided', DELETED: 'deleted',
};

/**
 * An ACCPAY invoice as a canonical bill. Line amounts are what the supplier is owed per line:
 * LineAmount plus its TaxAmount when amounts are tax-exclusive, so lines add up to Total
 * (xero_accounting.yaml LineAmountTypes). A bill whose amounts cannot be held as money (a currency
 * that is not ISO 4217, more decimals than its currency has) is an UnreadableRecord naming the
 * field: it fails alone, and its page goes on.
 */
export function invoiceToModel(i: XeroInvoice): Bill {
  const status = statuses[i.Status];
  if (!status) throw new UnreadableRecord(`Status: unknown invoice status '${i.Status}'`);
  if (!i.Contact?.ContactID) throw new UnreadableRecord('Contact: the bill has no contact');
  const currency = i.CurrencyCode ?? 'USD';
  // Every amount and label of a bill needs its currency's minor unit, so no part of it can be read without one.
  if (!isKnownCurrency(currency)) throw new UnreadableRecord(`CurrencyCode '${currency}' is not an ISO 4217 code`, 'MLC_ERR_UNKNOWN_CURRENCY');
  const amount = (field: string, v: string | undefined): Money => {
    try {
      return parseMoney(v ?? '0', currency);
    } catch (e) {
      throw new UnreadableRecord(`${field}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const exclusive = (i.LineAmountTypes ?? 'Exclusive') === 'Exclusive';
  const lines = (i.LineItems ?? []).map((l, n) => {
    const net = amount(`LineItems[${n}].LineAmount`, l.LineAmount);
    const tax = exclusive ? amount(`LineItems[${n}].TaxAmount`, l.TaxAmount) : money(currency, 0n);
    return {
      description: l.Description?.trim() || 'Bill line',
      amount: { currency, minor: net.minor + tax.minor },
      account: l.AccountCode || l.AccountID ? { id: l.AccountID ?? null, code: l.AccountCode ?? null } : null,
      dimensions: (l.Tracking ?? []).filter((t) => t.Name && t.Option).map((t) => ({ category: t.Name!, option: t.Option! })),
    };
  });
  const date = i.Date ?? (i.UpdatedDateUTC ?? new Date().toISOString()).slice(0, 10);
  return {
    id: i.InvoiceID,
    vendorId: i.Contact.ContactID,
    invoiceNumber: i.InvoiceNumber ?? '',
    invoiceDate: date,
    dueDate: i.DueDate ?? date,
    currency,
    status,
    total: amount('Total', i.Total),
    amountDue: amount('AmountDue', i.AmountDue),
    amountPaid: amount('AmountPaid', i.AmountPaid),
    lines,
    updatedAt: i.UpdatedDateUTC ?? new Date(0).toISOString(),
  };
}
