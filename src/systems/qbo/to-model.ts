import { isKnownCurrency, money, parseMoney, subtractMoney, type Money } from '../../core/money.ts';
import type { Bill, BillStatus, GlAccount, TargetBillState, Vendor } from '../../model/types.ts';
import type { BillSummary, VendorIndexEntry } from '../../model/payloads.ts';
import type { QboAccount, QboBill, QboPurchaseOrder, QboVendor } from './schema.ts';

/**
 * QBO wire shapes in canonical terms. AccountType and Classification values are those of
 * Finance.xsd (AccountTypeEnum, AccountClassificationEnum).
 */
const kinds: Readonly<Record<string, GlAccount['kind']>> = { Expense: 'expense', Asset: 'asset', Liability: 'liability', Equity: 'equity', Revenue: 'revenue' };

/** Bank accounts take Check bill payments and credit card accounts CreditCard ones (Finance.xsd BillPaymentTypeEnum). */
export const payTypeOfAccount = (a: Pick<QboAccount, 'AccountType'>): 'Check' | 'CreditCard' | null =>
  a.AccountType === 'Bank' ? 'Check' : a.AccountType === 'Credit Card' ? 'CreditCard' : null;

export function accountToModel(a: QboAccount): GlAccount {
  return {
    id: a.Id,
    code: a.AcctNum ?? null,
    name: a.FullyQualifiedName ?? a.Name,
    kind: a.AccountType === 'Bank' ? 'bank' : (a.Classification && kinds[a.Classification]) || 'other',
    active: a.Active !== false,
    acceptsPayments: payTypeOfAccount(a) !== null,
  };
}

export function vendorToModel(v: QboVendor, homeCurrency: string): Vendor {
  const a = v.BillAddr;
  return {
    id: v.Id,
    name: v.DisplayName,
    email: v.PrimaryEmailAddr?.Address ?? null,
    phone: v.PrimaryPhone?.FreeFormNumber ?? null,
    taxId: v.TaxIdentifier ?? null,
    address: a
      ? { line1: a.Line1 ?? null, line2: a.Line2 ?? null, city: a.City ?? null, region: a.CountrySubDivisionCode ?? null, postalCode: a.PostalCode ?? null, country: a.Country ?? null }
      : null,
    currency: v.CurrencyRef?.value ?? homeCurrency,
    active: v.Active !== false,
    updatedAt: v.MetaData?.LastUpdatedTime ?? '',
  };
}

export function vendorIndexEntry(v: QboVendor): VendorIndexEntry {
  return { id: v.Id, name: v.DisplayName, email: v.PrimaryEmailAddr?.Address ?? null, taxId: v.TaxIdentifier ?? null, archived: v.Active === false };
}

export type QboPurchase = QboPurchaseOrder | QboBill;

export const currencyOf = (p: { CurrencyRef?: { value: string } | undefined }, homeCurrency: string): string => p.CurrencyRef?.value ?? homeCurrency;

export function amountOf(value: string | undefined, currency: string): Money {
  if (!isKnownCurrency(currency)) return money(currency, 0n);
  return parseMoney(value ?? '0', currency);
}

/** Closed purchase orders count as archived (the connector closes a PO whose BILL bill was archived). */
export function isClosed(p: QboPurchase): boolean {
  return 'POStatus' in p && p.POStatus === 'Closed';
}

export function purchaseSummary(p: QboPurchase, homeCurrency: string): BillSummary {
  const currency = currencyOf(p, homeCurrency);
  return { id: p.Id, vendorId: p.VendorRef.value, invoiceNumber: p.DocNumber ?? '', amount: amountOf(p.TotalAmt, currency), archived: isClosed(p) };
}

/**
 * A QBO purchase order or bill as a canonical Bill. A PO carries no balance: its amount due is its
 * total while open, nothing once closed. A Bill's due amount is its Balance.
 */
export function purchaseToModel(p: QboPurchase, homeCurrency: string): Bill {
  const currency = currencyOf(p, homeCurrency);
  const total = amountOf(p.TotalAmt, currency);
  const due = 'Balance' in p && p.Balance !== undefined ? amountOf(p.Balance, currency) : isClosed(p) ? money(currency, 0n) : total;
  const status: BillStatus = isClosed(p) ? 'voided' : due.minor === 0n && total.minor > 0n ? 'paid' : 'approved';
  return {
    id: p.Id,
    vendorId: p.VendorRef.value,
    invoiceNumber: p.DocNumber ?? '',
    invoiceDate: p.TxnDate ?? '',
    dueDate: ('DueDate' in p ? p.DueDate : undefined) ?? p.TxnDate ?? '',
    currency,
    status,
    total,
    amountDue: due,
    amountPaid: subtractMoney(total, due),
    lines: p.Line.filter((l) => l.DetailType === 'AccountBasedExpenseLineDetail' || l.DetailType === 'ItemBasedExpenseLineDetail').map((l) => ({
      description: l.Description ?? '',
      amount: amountOf(l.Amount, currency),
      account: l.AccountBasedExpenseLineDetail ? { id: l.AccountBasedExpenseLineDetail.AccountRef.value, code: null } : null,
      dimensions: l.AccountBasedExpenseLineDetail?.ClassRef?.name ? [{ category: 'Class', option: l.AccountBasedExpenseLineDetail.ClassRef.name }] : [],
    })),
    updatedAt: p.MetaData?.LastUpdatedTime ?? '',
  };
}

/**
 * The target's view of a purchase order or bill. A PO records no payments (its paid amount is
 * nothing); a Bill's is its total less its Balance. Line departments are the line's Class or the
 * transaction's Department.
 */
export function purchaseState(p: QboPurchase, homeCurrency: string): TargetBillState {
  const currency = currencyOf(p, homeCurrency);
  const total = amountOf(p.TotalAmt, currency);
  const balance = 'Balance' in p && p.Balance !== undefined ? amountOf(p.Balance, currency) : total;
  return {
    id: p.Id,
    number: p.DocNumber ?? null,
    amount: total,
    paidAmount: subtractMoney(total, balance),
    scheduledAmount: money(currency, 0n),
    archived: isClosed(p),
    lines: p.Line.flatMap((l) => (l.Id ? [{
      id: l.Id,
      amount: amountOf(l.Amount, currency),
      description: l.Description ?? '',
      accountId: l.AccountBasedExpenseLineDetail?.AccountRef.value ?? null,
      departmentId: l.AccountBasedExpenseLineDetail?.ClassRef?.value ?? p.DepartmentRef?.value ?? null,
    }] : [])),
  };
}
