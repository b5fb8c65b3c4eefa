import { formatMoney, sumMoney } from '../../core/money.ts';
import { billMatchKey, vendorMatchKey, type BillPayload, type VendorPayload } from '../../model/payloads.ts';
import { qboDocNumber } from './doc-number.ts';
import type { QboBillInput, QboExpenseLineInput, QboPurchaseOrderInput, QboVendorInput } from './write-shapes.ts';

/**
 * Canonical payloads as QBO write shapes (field names from Finance.xsd and IntuitNamesTypes.xsd).
 * How BILL departments land in QBO is the link's choice: as a transaction's Department (QBO
 * "Location", one per transaction) or as each line's Class.
 */
export type QboDimension = 'department' | 'class';

export interface PurchaseOptions {
  dimension: QboDimension;
  /** The company's home currency: a CurrencyRef is sent only for other currencies (multicurrency companies). */
  homeCurrency: string;
}

/** QBO refuses a DisplayName containing ':' (the sub-customer separator); it becomes '-'. */
export const qboDisplayName = (name: string): string => name.trim().replace(/:/g, '-');

export function vendorInput(p: VendorPayload, homeCurrency: string): QboVendorInput {
  const a = p.address;
  const address = a
    ? clean({ Line1: a.line1, Line2: a.line2, City: a.city, CountrySubDivisionCode: a.region, PostalCode: a.postalCode, Country: a.country })
    : {};
  return {
    DisplayName: qboDisplayName(p.name),
    CompanyName: p.name.trim(),
    PrintOnCheckName: p.name.trim(),
    ...(p.email ? { PrimaryEmailAddr: { Address: p.email } } : {}),
    ...(p.phone ? { PrimaryPhone: { FreeFormNumber: p.phone } } : {}),
    ...(Object.keys(address).length > 0 ? { BillAddr: address } : {}),
    ...(p.taxId ? { TaxIdentifier: p.taxId } : {}),
    ...(p.currency && p.currency !== homeCurrency ? { CurrencyRef: { value: p.currency } } : {}),
  };
}

function lines(p: BillPayload, dimension: QboDimension): QboExpenseLineInput[] {
  return p.lines.map((l) => ({
    Amount: formatMoney(l.amount),
    ...(l.description ? { Description: l.description } : {}),
    DetailType: 'AccountBasedExpenseLineDetail',
    AccountBasedExpenseLineDetail: {
      AccountRef: { value: l.chartOfAccountId },
      ...(dimension === 'class' && l.departmentId ? { ClassRef: { value: l.departmentId } } : {}),
    },
  }));
}

/**
 * The department of a whole transaction: QBO carries DepartmentRef on the header only, so the
 * lines' departments must agree. Null when no line has one; `conflict` when they differ.
 */
export function transactionDepartment(p: BillPayload): { id: string | null } | { conflict: string[] } {
  const ids = [...new Set(p.lines.map((l) => l.departmentId).filter((d): d is string => Boolean(d)))];
  if (ids.length > 1) return { conflict: ids };
  return { id: ids[0] ?? null };
}

/** The parts a PurchaseOrder and a Bill share: vendor, number (within 21 characters), date, lines, department. */
function purchaseCommon(p: BillPayload, options: PurchaseOptions, departmentId: string | null): QboPurchaseOrderInput {
  const docNumber = qboDocNumber(p.invoiceNumber);
  const note = [p.description.trim(), docNumber !== p.invoiceNumber.trim() ? `Invoice ${p.invoiceNumber.trim()}` : ''].filter(Boolean).join(' · ');
  return {
    VendorRef: { value: p.vendorId },
    DocNumber: docNumber,
    TxnDate: p.invoiceDate,
    ...(note ? { PrivateNote: note.slice(0, 4000) } : {}),
    Line: lines(p, options.dimension),
    ...(options.dimension === 'department' && departmentId ? { DepartmentRef: { value: departmentId } } : {}),
    ...(p.currency !== options.homeCurrency ? { CurrencyRef: { value: p.currency } } : {}),
  };
}

export function purchaseOrderInput(p: BillPayload, options: PurchaseOptions, departmentId: string | null): QboPurchaseOrderInput {
  return { ...purchaseCommon(p, options, departmentId), DueDate: p.dueDate, POStatus: 'Open' };
}

export function billInput(p: BillPayload, options: PurchaseOptions, departmentId: string | null, purchaseOrderId?: string): QboBillInput {
  return {
    ...purchaseCommon(p, options, departmentId),
    DueDate: p.dueDate,
    ...(purchaseOrderId ? { LinkedTxn: [{ TxnId: purchaseOrderId, TxnType: 'PurchaseOrder' }] } : {}),
  };
}

function clean(o: Record<string, string | null | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => Boolean(e[1])));
}

/**
 * The match keys a vendor is found by, in the order they are tried: its display name (case and
 * outer spaces aside, model/payloads.ts vendorMatchKey), then `taxid:<tax id>`, then `email:<address>`.
 */
export function qboVendorMatchKeys(p: Pick<VendorPayload, 'name' | 'taxId' | 'email'>): string[] {
  return [
    vendorMatchKey(qboDisplayName(p.name)),
    ...(p.taxId ? [`taxid:${p.taxId.replace(/[\s-]/g, '').toLowerCase()}`] : []),
    ...(p.email ? [`email:${p.email.trim().toLowerCase()}`] : []),
  ];
}

/** The intent a bill's create stands for: its match key (vendor, invoice number, amount), the same on every attempt. */
export function purchaseIntentKey(p: BillPayload): string {
  return billMatchKey(p.vendorId, p.invoiceNumber, sumMoney(p.currency, p.lines.map((l) => l.amount)).minor);
}
