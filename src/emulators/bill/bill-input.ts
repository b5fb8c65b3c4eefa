/**
 * Checking bill bodies (reference A5, [BD:ap-bills], [BR:createbill]). Required on create and PUT:
 * `vendorId`, `dueDate`, `invoice{invoiceNumber, invoiceDate}` and at least one line; a line needs
 * `amount`, or `quantity` and `price` (amount wins when all are sent). GL coding is nested under
 * `classifications`, and the chart-of-accounts and department ids it names must exist in the
 * organisation and not be archived.
 */
import { multiplyToMinor, parseAmount, parseDecimal, decimalText } from './amounts.ts';
import type { Bill, Classifications, Organization } from './model.ts';
import { Checker, defined, isObject, type Json } from './validate.ts';

const billFields = [
  'vendorId',
  'dueDate',
  'invoice',
  'billLineItems',
  'description',
  'payFromChartOfAccountId',
  'classifications',
  'purchaseOrderNumber',
  // Accepted and ignored: approvals are not modelled (see docs/emulators/bill.md).
  'billApprovals',
];
const lineFields = ['id', 'amount', 'quantity', 'price', 'description', 'classifications'];
const lineClassificationFields = ['chartOfAccountId', 'accountingClassId', 'departmentId', 'employeeId', 'jobId', 'locationId', 'itemId', 'customerId'];
const billClassificationFields = ['chartOfAccountId', 'accountingClassId', 'departmentId', 'locationId', 'itemId'];

export type Mode = 'create' | 'put' | 'patch';

export interface LineInput {
  id?: string;
  /** Set when the line's amount is known from this input (amount, or quantity × price). */
  amount?: bigint;
  quantity?: string;
  price?: string;
  description?: string;
  classifications?: Classifications;
  /** Which fields the input named (PATCH merges only those). */
  given: Set<string>;
}

export interface BillInput {
  vendorId?: string;
  dueDate?: string;
  invoice?: { invoiceNumber?: string; invoiceDate?: string };
  lines?: LineInput[];
  description?: string;
  payFromChartOfAccountId?: string;
  classifications?: Classifications;
  purchaseOrderNumber?: string;
  given: Set<string>;
}

export function checkClassifications(c: Checker, org: Organization, obj: Json, path: string, allowed: readonly string[]): Classifications {
  c.keys(obj, allowed, path);
  const out: Classifications = {};
  for (const key of allowed) {
    const v = c.string(obj, key, path);
    if (v !== undefined && v !== '') out[key] = v;
  }
  if (out.chartOfAccountId !== undefined) {
    const a = org.accounts.get(out.chartOfAccountId);
    if (!a || a.archived) c.fail(`${path}.chartOfAccountId ${out.chartOfAccountId} is not an active chart of accounts in this organization.`);
  }
  if (out.departmentId !== undefined) {
    const d = org.departments.get(out.departmentId);
    if (!d || d.archived) c.fail(`${path}.departmentId ${out.departmentId} is not an active department in this organization.`);
  }
  return out;
}

function checkLine(c: Checker, org: Organization, raw: unknown, i: number, currency: string, mode: Mode, existing?: Bill): LineInput | undefined {
  const path = `billLineItems[${i}]`;
  if (!isObject(raw)) {
    c.fail(`${path} must be an object.`);
    return undefined;
  }
  c.keys(raw, lineFields, path);
  const line: LineInput = { given: new Set(Object.keys(raw)) };
  const id = c.string(raw, 'id', path);
  if (id !== undefined) {
    if (mode === 'create') c.fail(`${path}.id cannot be set when creating a bill.`);
    else if (!existing?.lines.some((l) => l.id === id)) c.fail(`${path}.id ${id} is not a line of this bill.`);
    else line.id = id;
  }
  line.description = c.string(raw, 'description', path, { max: 4000 });
  for (const key of ['quantity', 'price'] as const) {
    if (raw[key] === undefined || raw[key] === null) continue;
    const d = parseDecimal(raw[key]);
    if (!d) c.fail(`${path}.${key} must be a number.`);
    else line[key] = decimalText(d);
  }
  if (raw.amount !== undefined && raw.amount !== null) {
    const minor = parseAmount(raw.amount, currency);
    if (typeof minor === 'string') c.fail(`${path}.amount ${minor}.`);
    else line.amount = minor;
  } else if (line.quantity !== undefined && line.price !== undefined) {
    line.amount = multiplyToMinor(parseDecimal(line.quantity)!, parseDecimal(line.price)!, currency);
  } else if (line.id === undefined || mode === 'put') {
    c.fail(`${path} needs amount, or quantity and price.`);
  }
  const cls = c.object(raw, 'classifications', path);
  if (cls) line.classifications = checkClassifications(c, org, cls, `${path}.classifications`, lineClassificationFields);
  return line;
}

/** Validates a bill body for create, PUT (full replace) or PATCH (partial); errors are collected, not thrown. */
export function checkBill(org: Organization, body: unknown, mode: Mode, existing?: Bill, prefix = ''): { input: BillInput; errors: string[] } {
  const c = new Checker(prefix);
  const input: BillInput = { given: new Set() };
  if (!isObject(body)) {
    c.fail('The request body must be a bill object.');
    return { input, errors: c.errors };
  }
  input.given = new Set(Object.keys(body));
  c.keys(body, billFields, '');
  const required = mode !== 'patch';
  input.vendorId = c.string(body, 'vendorId', '', { required });
  if (input.vendorId !== undefined) {
    const v = org.vendors.get(input.vendorId);
    if (!v) c.fail(`vendorId ${input.vendorId} is not a vendor in this organization.`);
    else if (v.archived) c.fail(`vendorId ${input.vendorId} is archived.`);
  }
  input.dueDate = c.date(body, 'dueDate', '', { required });
  const invoice = c.object(body, 'invoice', '', { required });
  if (invoice) {
    c.keys(invoice, ['invoiceNumber', 'invoiceDate'], 'invoice');
    input.invoice = defined({
      invoiceNumber: c.string(invoice, 'invoiceNumber', 'invoice', { required: required || 'invoiceNumber' in invoice }),
      invoiceDate: c.date(invoice, 'invoiceDate', 'invoice', { required: required || 'invoiceDate' in invoice }),
    });
  }
  input.description = c.string(body, 'description', '', { max: 4000 });
  input.purchaseOrderNumber = c.string(body, 'purchaseOrderNumber', '');
  c.boolean(body, 'billApprovals', '');
  input.payFromChartOfAccountId = c.string(body, 'payFromChartOfAccountId', '');
  if (input.payFromChartOfAccountId !== undefined && !org.accounts.has(input.payFromChartOfAccountId)) {
    c.fail(`payFromChartOfAccountId ${input.payFromChartOfAccountId} is not a chart of accounts in this organization.`);
  }
  const cls = c.object(body, 'classifications', '');
  if (cls) input.classifications = checkClassifications(c, org, cls, 'classifications', billClassificationFields);
  const vendorId = input.vendorId ?? existing?.vendorId;
  const currency = (vendorId && org.vendors.get(vendorId)?.billCurrency) || existing?.currency || 'USD';
  const lines = body.billLineItems;
  if (lines === undefined || lines === null) {
    if (required) c.fail('billLineItems is required.');
  } else if (!Array.isArray(lines) || lines.length === 0) {
    c.fail('billLineItems must be an array with at least one line item.');
  } else {
    input.lines = lines.map((l, i) => checkLine(c, org, l, i, currency, mode, existing)).filter((l): l is LineInput => l !== undefined);
    const ids = input.lines.flatMap((l) => (l.id ? [l.id] : []));
    if (new Set(ids).size !== ids.length) c.fail('billLineItems names the same line id more than once.');
  }
  return { input, errors: c.errors };
}
