import { isKnownCurrency, money, parseMoney, subtractMoney, type Money } from '../../core/money.ts';
import { subaccountDimension, type Bill, type BillStatus, type Department, type GlAccount, type PayableKind, type PostalAddress, type Vendor } from '../../model/types.ts';
import { UnreadableRecord } from '../unreadable.ts';
import type { AcumaticaAccount, AcumaticaBill, AcumaticaSubaccount, AcumaticaVendor } from './schema.ts';
import { datePart } from './values.ts';

/**
 * Acumatica wire shapes in canonical terms. Records are named by their keys, as Acumatica's own
 * references do: a vendor by VendorID (what a bill's `Vendor` holds), a bill by Type and
 * ReferenceNbr (`billId`), an account by AccountCD.
 */

/** `Bill|000123`: a bill's keys in form order, the id the connector knows it by. */
export const billId = (type: string, referenceNbr: string): string => `${type}|${referenceNbr}`;

export function billKeys(id: string): { type: string; referenceNbr: string } | null {
  const at = id.indexOf('|');
  if (at <= 0 || at === id.length - 1) return null;
  return { type: id.slice(0, at), referenceNbr: id.slice(at + 1) };
}

/** Account types (AccountType list of GL202500: Asset, Liability, Income, Expense); cash accounts take payments. */
const accountKinds: Readonly<Record<string, GlAccount['kind']>> = { Asset: 'asset', Liability: 'liability', Income: 'revenue', Expense: 'expense' };

export function accountToModel(a: AcumaticaAccount): GlAccount {
  const cash = a.CashAccount === true;
  return {
    id: a.AccountCD,
    code: a.AccountCD,
    name: a.Description?.trim() || a.AccountCD,
    kind: cash ? 'bank' : (accountKinds[a.Type ?? ''] ?? 'other'),
    active: a.Active !== false,
    acceptsPayments: cash,
  };
}

/** A subaccount (segmented code such as "100-010") as a department-like classification for mapping screens. */
export function subaccountToModel(s: AcumaticaSubaccount): Department {
  return { id: s.SubaccountCD, name: s.Description?.trim() ? `${s.SubaccountCD} ${s.Description.trim()}` : s.SubaccountCD, active: s.Active !== false };
}

function addressOf(v: AcumaticaVendor): PostalAddress | null {
  const a = v.MainContact?.Address;
  if (!a || !(a.AddressLine1 || a.City || a.PostalCode)) return null;
  return {
    line1: a.AddressLine1 ?? null,
    line2: a.AddressLine2 ?? null,
    city: a.City ?? null,
    region: a.State ?? null,
    postalCode: a.PostalCode ?? null,
    country: a.Country && /^[A-Za-z]{2}$/.test(a.Country) ? a.Country.toUpperCase() : (a.Country ?? null),
  };
}

/** Vendor statuses (AP303000): Active, On Hold, Hold Payments, Inactive, One-Time; only Inactive ones are gone. */
export function vendorToModel(v: AcumaticaVendor): Vendor {
  return {
    id: v.VendorID,
    name: v.VendorName?.trim() || v.LegalName?.trim() || v.VendorID,
    email: v.MainContact?.Email?.trim() || null,
    phone: v.MainContact?.Phone1?.trim() || null,
    taxId: v.TaxRegistrationID?.trim() || null,
    address: addressOf(v),
    currency: v.CurrencyID ?? null,
    active: v.Status !== 'Inactive',
    updatedAt: v.LastModifiedDateTime ?? v.CreatedDateTime ?? new Date(0).toISOString(),
  };
}

/**
 * AP document statuses (AP301000) in canonical terms. Only a released document (Open) is payable;
 * the others keep their own reason on the pair: On Hold, Rejected and Reserved are drafts; Balanced,
 * Pending Approval, Scheduled and Pre-Released await approval or release.
 */
const statuses: Readonly<Record<string, BillStatus>> = {
  'On Hold': 'draft',
  Rejected: 'draft',
  Reserved: 'draft',
  Balanced: 'submitted',
  'Pending Approval': 'submitted',
  Scheduled: 'submitted',
  'Pre-Released': 'submitted',
  Open: 'approved',
  'Under Reclassification': 'approved',
  Closed: 'paid',
  Voided: 'voided',
};

/** Document types of the Bills and Adjustments form (ADR 0006): a credit adjustment adds to what is owed, as a bill. */
const kinds: Readonly<Record<string, PayableKind>> = { Bill: 'bill', 'Credit Adj.': 'bill', 'Debit Adj.': 'vendor-credit', Prepayment: 'prepayment' };

/** The vendor's invoice number, or the document's own number; an adjustment is named apart from the bill it adjusts (ADR 0006). */
function invoiceNumberOf(b: AcumaticaBill): string {
  const ref = b.VendorRef?.trim();
  if (b.Type === 'Bill') return ref || b.ReferenceNbr;
  return ref ? `${ref} (${b.Type} ${b.ReferenceNbr})` : `${b.Type} ${b.ReferenceNbr}`;
}

/**
 * Acumatica keeps tax on the document (TaxDetails), not on its lines, and `Amount` includes it. When
 * the lines plus TaxTotal make the amount, the tax is spread over the lines in proportion to their
 * amounts (whole minor units, the remainder on the largest line), so lines add up to what is owed
 * as they do for Xero's tax-exclusive lines. Any other difference is left for the pair to refuse.
 */
function withTax<L extends { amount: Money }>(lines: L[], total: Money, tax: Money): L[] {
  const sum = lines.reduce((acc, l) => acc + l.amount.minor, 0n);
  if (tax.minor === 0n || sum <= 0n || sum + tax.minor !== total.minor) return lines;
  let left = tax.minor;
  const out = lines.map((l) => {
    const share = (tax.minor * l.amount.minor) / sum;
    left -= share;
    return { ...l, amount: money(l.amount.currency, l.amount.minor + share) };
  });
  const largest = out.reduce((best, l, i) => (l.amount.minor > out[best]!.amount.minor ? i : best), 0);
  out[largest] = { ...out[largest]!, amount: money(total.currency, out[largest]!.amount.minor + left) };
  return out;
}

/**
 * An AP document as a canonical bill. Paid is what released applications took off the balance
 * (Amount − Balance) once released; before release nothing is paid. A document whose amounts cannot
 * be held as money is an UnreadableRecord naming the field: it fails alone.
 */
export function billToModel(b: AcumaticaBill): Bill {
  const kind = kinds[b.Type];
  if (!kind) throw new UnreadableRecord(`Type: unknown AP document type '${b.Type}'`);
  const status = statuses[b.Status ?? ''];
  if (!status) throw new UnreadableRecord(`Status: unknown document status '${b.Status ?? ''}'`);
  if (!b.Vendor) throw new UnreadableRecord('Vendor: the document has no vendor');
  // Every document has a currency on Acumatica; USD stands in only for an answer that left it out.
  const currency = b.CurrencyID ?? 'USD';
  if (!isKnownCurrency(currency)) throw new UnreadableRecord(`CurrencyID '${currency}' is not an ISO 4217 code`, 'MLC_ERR_UNKNOWN_CURRENCY');
  const amount = (field: string, v: string | undefined): Money => {
    try {
      return parseMoney(v ?? '0', currency);
    } catch (e) {
      throw new UnreadableRecord(`${field}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const total = amount('Amount', b.Amount);
  const released = status === 'approved' || status === 'paid';
  const amountDue = released ? amount('Balance', b.Balance) : total;
  const net = (b.Details ?? []).map((d, n) => ({
    description: d.TransactionDescription?.trim() || d.Description?.trim() || 'Bill line',
    amount: amount(`Details[${n}].Amount`, d.Amount ?? d.ExtendedCost),
    account: d.Account ? { id: null, code: d.Account } : null,
    dimensions: d.Subaccount ? [{ category: subaccountDimension, option: d.Subaccount }] : [],
  }));
  const lines = withTax(net, total, b.TaxTotal === undefined ? money(currency, 0n) : amount('TaxTotal', b.TaxTotal));
  const date = datePart(b.Date) ?? datePart(b.LastModifiedDateTime) ?? new Date().toISOString().slice(0, 10);
  return {
    id: billId(b.Type, b.ReferenceNbr),
    kind,
    vendorId: b.Vendor,
    invoiceNumber: invoiceNumberOf(b),
    invoiceDate: date,
    dueDate: datePart(b.DueDate) ?? date,
    currency,
    status,
    total,
    amountDue,
    amountPaid: released ? subtractMoney(total, amountDue) : money(currency, 0n),
    lines,
    updatedAt: b.LastModifiedDateTime ?? new Date(0).toISOString(),
  };
}
