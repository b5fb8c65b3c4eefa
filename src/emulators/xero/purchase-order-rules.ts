import { parseInputDate } from './dates.ts';
import { resolveDocumentContact } from './contact-rules.ts';
import { DEFAULT_RATES, defaultRate } from './invoice-rules.ts';
import { buildLines, totalsOf } from './lines.ts';
import type { LineAmountTypes, PurchaseOrder, PurchaseOrderStatus } from './model.ts';
import { done, fail, has, str, type In, type WriteCtx, type WriteResult } from './write.ts';

/**
 * Purchase orders (XS `PurchaseOrder`; A7): they exist in Xero only. Created DRAFT, SUBMITTED or
 * AUTHORISED (BILLED is allowed for generated data), numbered PO-0001… when the caller gives no
 * number, and "Order number must be unique" (XS). Line rules are the invoice ones, except that an
 * account is optional on every line. No webhook category exists for purchase orders (XW).
 */

export const ORDER_NUMBER_NOT_UNIQUE = 'Order number must be unique';

const CREATE_STATUSES: PurchaseOrderStatus[] = ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'BILLED'];

export function createPurchaseOrder(w: WriteCtx, input: In): WriteResult<PurchaseOrder> {
  const t = w.tenant;
  const errors: string[] = [];
  const contact = resolveDocumentContact(w, input.Contact);
  if (!contact.ok) errors.push(...contact.messages);
  const status = (str(input, 'Status') ?? 'DRAFT').toUpperCase() as PurchaseOrderStatus;
  if (!CREATE_STATUSES.includes(status)) errors.push(`Purchase order status '${status}' is not valid for creation.`);
  const latRaw = str(input, 'LineAmountTypes')?.toLowerCase();
  const lat: LineAmountTypes = latRaw === 'inclusive' ? 'Inclusive' : latRaw === 'notax' ? 'NoTax' : 'Exclusive';
  let currency = (str(input, 'CurrencyCode') ?? t.organisation.BaseCurrency).toUpperCase();
  if (!(currency in DEFAULT_RATES)) {
    errors.push(`The currency code '${currency}' is not enabled for this organisation.`);
    currency = t.organisation.BaseCurrency;
  }
  const date = has(input, 'Date') ? parseInputDate(input.Date) : w.today;
  if (date === null) errors.push(`Date '${String(input.Date)}' is not a valid date.`);
  const delivery = has(input, 'DeliveryDate') ? parseInputDate(input.DeliveryDate) : undefined;
  if (delivery === null) errors.push(`DeliveryDate '${String(input.DeliveryDate)}' is not a valid date.`);
  if (!Array.isArray(input.LineItems) || input.LineItems.length === 0) errors.push('At least one line item is required.');
  const lines = buildLines(
    { tenant: t, allowDiscounts: true, currency, lineAmountTypes: lat, unitdp4: w.unitdp4, requireAccount: false },
    Array.isArray(input.LineItems) ? input.LineItems : [],
    [],
    errors,
  );
  let number = str(input, 'PurchaseOrderNumber')?.trim();
  if (number) {
    const want = number.toLowerCase();
    if ([...t.purchaseOrders.values()].some((p) => p.PurchaseOrderNumber.toLowerCase() === want)) errors.push(ORDER_NUMBER_NOT_UNIQUE);
  }
  if (errors.length || !contact.ok || date === null) return fail(errors);
  if (!number) {
    do {
      t.counters.purchaseOrderNumber += 1;
      number = `PO-${String(t.counters.purchaseOrderNumber).padStart(4, '0')}`;
    } while ([...t.purchaseOrders.values()].some((p) => p.PurchaseOrderNumber === number));
  }
  const po: PurchaseOrder = {
    PurchaseOrderID: t.uuid(),
    PurchaseOrderNumber: number,
    ContactID: contact.record.ContactID,
    Status: status,
    LineAmountTypes: lat,
    Date: date,
    CurrencyCode: currency,
    CurrencyRate: defaultRate(t, currency),
    LineItems: lines,
    ...totalsOf(lines, lat),
    UpdatedDateUTC: w.now,
  };
  if (delivery) po.DeliveryDate = delivery;
  const reference = str(input, 'Reference');
  if (reference !== undefined) po.Reference = reference;
  t.purchaseOrders.set(po.PurchaseOrderID, po);
  return done(po);
}
