/**
 * What bills look like from outside: the API JSON ([BPM] bill response), the webhook payloads
 * ([BD:bill-webhook-notification-payloads]) and the list whitelist ([BD:filterable-fields], [BD:sortable-fields]).
 */
import { amountJson } from './amounts.ts';
import { ops, type ListSpec } from './lists.ts';
import type { Bill, Organization } from './model.ts';
import type { BillDeps } from './options.ts';
import { billAmount, billTotals, paymentStatusOf } from './payments-logic.ts';
import { isoTime } from './time.ts';
import { defined } from './validate.ts';

export function billView(deps: BillDeps, org: Organization, b: Bill): Record<string, unknown> {
  const t = billTotals(org, b);
  const money = (m: bigint) => amountJson(m, b.currency);
  return defined({
    archived: b.archived,
    id: b.id,
    vendorId: b.vendorId,
    vendorName: org.vendors.get(b.vendorId)?.name,
    // Exchange rates are not modelled: every bill is funded in its own currency at rate 1.
    fundingAmount: money(t.amount),
    amount: money(t.amount),
    paidAmount: money(t.paid),
    dueAmount: money(t.due),
    scheduledAmount: money(t.scheduled),
    creditAmount: 0,
    exchangeRate: 1,
    description: b.description,
    dueDate: b.dueDate,
    invoice: { invoiceDate: b.invoice.invoiceDate, invoiceNumber: b.invoice.invoiceNumber },
    billLineItems: b.lines.map((l) =>
      defined({
        amount: money(l.amount),
        id: l.id,
        quantity: l.quantity !== undefined ? Number(l.quantity) : undefined,
        price: l.price !== undefined ? Number(l.price) : undefined,
        description: l.description,
        classifications: l.classifications ?? {},
      }),
    ),
    payFromChartOfAccountId: b.payFromChartOfAccountId,
    paymentStatus: paymentStatusOf(t, deps.options.partialPaymentStatus),
    approvalStatus: 'UNDEFINED',
    createdTime: isoTime(b.createdTime),
    updatedTime: isoTime(b.updatedTime),
    classifications: b.classifications ?? {},
    approvers: [],
    purchaseOrderNumber: b.purchaseOrderNumber,
  });
}

/** `bill.created` payload ([BD:bill-webhook-notification-payloads]). */
export function createdPayload(b: Bill): Record<string, unknown> {
  return {
    id: b.id,
    vendorId: b.vendorId,
    invoice: { ...b.invoice },
    amount: amountJson(billAmount(b), b.currency),
    createdTime: isoTime(b.createdTime),
    archived: b.archived,
  };
}

/** `bill.updated` fires only for vendorId, amount and invoice changes and carries only those (A12). */
export function emitUpdated(deps: BillDeps, org: Organization, before: Bill, after: Bill): void {
  const amountBefore = billAmount(before);
  const amountAfter = billAmount(after);
  const invoiceChanged = before.invoice.invoiceNumber !== after.invoice.invoiceNumber || before.invoice.invoiceDate !== after.invoice.invoiceDate;
  if (before.vendorId === after.vendorId && amountBefore === amountAfter && !invoiceChanged) return;
  const payload = defined({
    id: after.id,
    vendorId: before.vendorId !== after.vendorId ? after.vendorId : undefined,
    invoice: invoiceChanged
      ? defined({
          invoiceNumber: before.invoice.invoiceNumber !== after.invoice.invoiceNumber ? after.invoice.invoiceNumber : undefined,
          invoiceDate: before.invoice.invoiceDate !== after.invoice.invoiceDate ? after.invoice.invoiceDate : undefined,
        })
      : undefined,
    amount: amountBefore !== amountAfter ? amountJson(amountAfter, after.currency) : undefined,
    updatedTime: isoTime(after.updatedTime),
  });
  deps.webhooks.emit(org, 'bill.updated', 'bill', payload, after.id);
}

export function billListSpec(deps: BillDeps, org: Organization): ListSpec<Bill> {
  const cls = (key: string) => (b: Bill) => [b.classifications?.[key], ...b.lines.map((l) => l.classifications?.[key])].filter((v) => v !== undefined);
  const filters: ListSpec<Bill>['filters'] = {
    id: { ops: ops.id, kind: 'string', get: (b) => b.id },
    archived: { ops: ops.bool, kind: 'boolean', get: (b) => b.archived },
    vendorId: { ops: ['eq', 'in'], kind: 'string', get: (b) => b.vendorId },
    dueDate: { ops: ops.time, kind: 'date', get: (b) => b.dueDate },
    paymentStatus: { ops: ops.enumPos, kind: 'string', get: (b) => paymentStatusOf(billTotals(org, b), deps.options.partialPaymentStatus) },
    createdTime: { ops: ops.time, kind: 'time', get: (b) => b.createdTime },
    updatedTime: { ops: ops.time, kind: 'time', get: (b) => b.updatedTime },
    payFromChartOfAccountId: { ops: ops.id, kind: 'string', get: (b) => b.payFromChartOfAccountId },
  };
  for (const key of ['chartOfAccountId', 'accountingClassId', 'departmentId', 'locationId', 'itemId']) {
    filters[`classifications.${key}`] = { ops: ops.id, kind: 'string', get: cls(key) };
  }
  return {
    entity: 'bills',
    filters,
    sorts: {
      archived: (b) => b.archived,
      fundingAmount: (b) => Number(billAmount(b)),
      exchangeRate: () => 1,
      description: (b) => b.description,
      dueDate: (b) => b.dueDate,
      createdTime: (b) => b.createdTime,
      updatedTime: (b) => b.updatedTime,
    },
    id: (b) => b.id,
    created: (b) => b.createdTime,
    archived: (b) => b.archived,
  };
}

