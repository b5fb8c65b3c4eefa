import { isKnownCurrency, parseMoney, subtractMoney, type Money } from '../../core/money.ts';
import type { Bill, BillLine, BillStatus, PostalAddress, Vendor } from '../../model/types.ts';
import { UnreadableRecord } from '../unreadable.ts';
import type { BillBill, BillVendor } from './schema.ts';

/**
 * BILL v3 vendors and bills in canonical terms, for pairs where BILL is the source (BILL → QBO).
 * A record that cannot be held in the model throws UnreadableRecord naming the field; the readers
 * (source.ts) record it as invalid on its own.
 */

/** The dimension category a BILL department is carried under on a bill line. */
export const departmentDimension = 'Department';

/**
 * Bill `approvalStatus` → canonical status, each value on purpose. Observed values ASSIGNED,
 * APPROVED, DENIED, UNDEFINED come from the v3 Postman examples; UNASSIGNED and APPROVING from a
 * third-party SDK (reference A5, unverified). UNDEFINED is what a bill shows when no approval
 * policy applies, and UNASSIGNED one with no approver: nothing holds either back from payment.
 * A denied bill goes back to its author, as a draft does.
 */
export const approvalStatuses: Readonly<Record<string, BillStatus>> = {
  APPROVED: 'approved',
  UNDEFINED: 'approved',
  UNASSIGNED: 'approved',
  ASSIGNED: 'submitted',
  APPROVING: 'submitted',
  DENIED: 'draft',
};

/**
 * Bill `paymentStatus` values (reference A5: PAID, UNPAID, SCHEDULED, UNDEFINED from [BPM]; PARTIAL
 * third-party): only PAID says anything of the bill's status; the others leave it to the approval
 * status, and the amounts say how much is paid.
 */
export const paymentStatuses: ReadonlySet<string> = new Set(['PAID', 'UNPAID', 'SCHEDULED', 'PARTIAL', 'UNDEFINED']);

/**
 * The canonical status of a BILL bill. Archived wins (BILL has no delete: archiving is how a bill is
 * withdrawn, A3), then paid, then the approval status. An approval status the connector does not
 * know is 'submitted': never taken for approved, paid or voided; the raw text stays in `statusText`.
 */
export function billStatus(b: Pick<BillBill, 'archived' | 'approvalStatus' | 'paymentStatus'>): BillStatus {
  if (b.archived) return 'voided';
  if (b.paymentStatus === 'PAID') return 'paid';
  return approvalStatuses[b.approvalStatus ?? 'UNDEFINED'] ?? 'submitted';
}

/** The raw status text kept beside the canonical status, for audit and for values not known yet. */
export function billStatusText(b: Pick<BillBill, 'archived' | 'approvalStatus' | 'paymentStatus'>): string {
  return `approvalStatus ${b.approvalStatus ?? '(none)'}, paymentStatus ${b.paymentStatus ?? '(none)'}${b.archived ? ', archived' : ''}`;
}

function amountOf(field: string, value: string | undefined, currency: string): Money {
  try {
    return parseMoney(value ?? '0', currency);
  } catch (e) {
    throw new UnreadableRecord(`${field}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * A bill line's account is its BILL chart-of-accounts id (BILL has no account codes on lines); its
 * department is the BILL department id, under `departmentDimension`. The id is chosen over the name:
 * a line carries only the id, ids never change while names can be renamed, and the pair's mapping
 * reads names for people from the departments list. A line without its own coding takes the
 * bill-level `classifications` (A5).
 */
function lineToModel(l: BillBill['billLineItems'][number], i: number, bill: BillBill, currency: string): BillLine {
  const accountId = l.classifications?.chartOfAccountId ?? bill.classifications?.chartOfAccountId ?? null;
  const departmentId = l.classifications?.departmentId ?? bill.classifications?.departmentId ?? null;
  return {
    description: l.description ?? '',
    amount: amountOf(`billLineItems[${i}].amount`, l.amount, currency),
    account: accountId ? { id: accountId, code: null } : null,
    dimensions: departmentId ? [{ category: departmentDimension, option: departmentId }] : [],
  };
}

/**
 * A BILL bill in canonical terms, in `currency` (the vendor's bill currency: BILL bills carry none).
 * `amountPaid` is BILL's `paidAmount` (cleared payments and credits, A5); `amountDue` is the total
 * less that. BILL's own `dueAmount` also takes off scheduled payments, whose money has not moved, so
 * it is used only when `paidAmount` is absent (responses before 2025-06).
 */
export function billToModel(b: BillBill, currency: string): Bill {
  if (!isKnownCurrency(currency)) throw new UnreadableRecord(`the vendor's bill currency '${currency}' is not an ISO 4217 code`, 'MLC_ERR_UNKNOWN_CURRENCY');
  const total = amountOf('amount', b.amount, currency);
  const scheduled = amountOf('scheduledAmount', b.scheduledAmount, currency);
  const amountPaid = b.paidAmount !== undefined
    ? amountOf('paidAmount', b.paidAmount, currency)
    : b.dueAmount !== undefined ? subtractMoney(subtractMoney(total, amountOf('dueAmount', b.dueAmount, currency)), scheduled) : amountOf('paidAmount', '0', currency);
  return {
    id: b.id,
    vendorId: b.vendorId,
    invoiceNumber: b.invoice.invoiceNumber,
    invoiceDate: b.invoice.invoiceDate,
    dueDate: b.dueDate,
    currency,
    status: billStatus(b),
    statusText: billStatusText(b),
    total,
    amountDue: subtractMoney(total, amountPaid),
    amountPaid,
    lines: b.billLineItems.map((l, i) => lineToModel(l, i, b, currency)),
    updatedAt: b.updatedTime,
  };
}

function addressToModel(a: BillVendor['address']): PostalAddress | null {
  if (!a || !(a.line1 || a.line2 || a.city || a.stateOrProvince || a.zipOrPostalCode || a.country)) return null;
  return {
    line1: a.line1 ?? null,
    line2: a.line2 ?? null,
    city: a.city ?? null,
    region: a.stateOrProvince ?? null,
    postalCode: a.zipOrPostalCode ?? null,
    // BILL sends ISO 3166-1 alpha-2 (A4); anything else is not kept as a country code.
    country: a.country && /^[A-Z]{2}$/.test(a.country) ? a.country : null,
  };
}

/** A BILL vendor in canonical terms: archived is inactive (A3); the currency is its bill currency. */
export function vendorToModel(v: BillVendor, defaultCurrency: string): Vendor {
  const currency = v.billCurrency || defaultCurrency;
  if (!isKnownCurrency(currency)) throw new UnreadableRecord(`billCurrency: '${currency}' is not an ISO 4217 code`, 'MLC_ERR_UNKNOWN_CURRENCY');
  return {
    id: v.id,
    name: v.name,
    email: v.email ?? null,
    phone: v.phone ?? null,
    taxId: v.additionalInfo?.taxId ?? null,
    address: addressToModel(v.address),
    currency,
    active: !v.archived,
    updatedAt: v.updatedTime,
  };
}
