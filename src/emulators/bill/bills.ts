/**
 * Bills (reference A5): list, create (201), bulk create (bare JSON array, cap 200 by default, atomic),
 * get, PUT (replace: lines without an `id` are new, lines left out are removed), PATCH (partial: named
 * lines are merged by id, lines without id are added, the rest stay), archive/restore.
 * `paidAmount`, `dueAmount`, `scheduledAmount` and `paymentStatus` are derived from payments.
 */
import type { FastifyInstance } from 'fastify';
import { amountJson, multiplyToMinor, parseDecimal } from './amounts.ts';
import { checkBill, type BillInput, type LineInput } from './bill-input.ts';
import { billListSpec, billView, createdPayload, emitUpdated } from './bill-views.ts';
import { BillApiError, badRequest, invalid, notFound } from './errors.ts';
import { listPage, pageBody } from './lists.ts';
import type { Bill, BillLine, Organization } from './model.ts';
import type { BillDeps } from './options.ts';
import { billAmount, billTotals } from './payments-logic.ts';
import { apiRoute } from './pipeline.ts';
import { isoTime } from './time.ts';
import { defined } from './validate.ts';

function newLine(deps: BillDeps, l: LineInput): BillLine {
  return defined({
    id: deps.state.newId('billLine'),
    amount: l.amount ?? 0n,
    quantity: l.quantity,
    price: l.price,
    description: l.description,
    classifications: l.classifications,
  });
}

/** PATCH: only the fields the input named change; amount follows quantity × price when those changed. */
function mergeLine(line: BillLine, l: LineInput, currency: string): BillLine {
  const next: BillLine = { ...line };
  for (const key of ['quantity', 'price', 'description', 'classifications'] as const) {
    if (l.given.has(key)) {
      if (l[key] === undefined) delete next[key];
      else (next as unknown as Record<string, unknown>)[key] = l[key];
    }
  }
  if (l.given.has('amount') && l.amount !== undefined) next.amount = l.amount;
  else if ((l.given.has('quantity') || l.given.has('price')) && next.quantity !== undefined && next.price !== undefined) {
    next.amount = multiplyToMinor(parseDecimal(next.quantity)!, parseDecimal(next.price)!, currency);
  }
  return next;
}

function buildLines(deps: BillDeps, input: BillInput, existing: Bill | undefined, mode: 'create' | 'put' | 'patch', currency: string): BillLine[] {
  if (!input.lines) return existing?.lines ?? [];
  if (mode === 'patch' && existing) {
    const lines = existing.lines.map((line) => {
      const change = input.lines!.find((l) => l.id === line.id);
      return change ? mergeLine(line, change, currency) : line;
    });
    return [...lines, ...input.lines.filter((l) => !l.id).map((l) => newLine(deps, l))];
  }
  // Create and PUT: exactly the lines given; a kept id keeps its id, everything else about it is replaced.
  return input.lines.map((l) => (l.id ? { ...newLine(deps, l), id: l.id } : newLine(deps, l)));
}

function checkAmounts(org: Organization, bill: Bill, prefix = ''): string[] {
  const amount = billAmount(bill);
  if (amount <= 0n) return [`${prefix}The bill amount must be greater than zero.`];
  const t = billTotals(org, bill);
  if (t.paid + t.scheduled > amount) {
    return [`${prefix}The bill amount cannot be less than the amount already paid or scheduled (${amountJson(t.paid + t.scheduled, bill.currency)}).`];
  }
  return [];
}

/** Builds the bill a create or bulk-create item would produce, without storing it. */
function draftBill(deps: BillDeps, org: Organization, input: BillInput, at: number): Bill {
  const vendor = org.vendors.get(input.vendorId!)!;
  return defined({
    id: deps.state.newId('bill'),
    archived: false,
    vendorId: vendor.id,
    currency: vendor.billCurrency,
    description: input.description,
    dueDate: input.dueDate!,
    invoice: { invoiceNumber: input.invoice!.invoiceNumber!, invoiceDate: input.invoice!.invoiceDate! },
    lines: buildLines(deps, input, undefined, 'create', vendor.billCurrency),
    payFromChartOfAccountId: input.payFromChartOfAccountId,
    classifications: input.classifications,
    purchaseOrderNumber: input.purchaseOrderNumber,
    createdTime: at,
    updatedTime: at,
  });
}

/** Comparable text of a bill (bigint amounts included, keys sorted) to tell whether an update changed anything. */
function fingerprint(b: Bill): string {
  return JSON.stringify(b, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)));
    return v;
  });
}

function getBill(org: Organization, id: string | undefined): Bill {
  const b = id ? org.bills.get(id) : undefined;
  if (!b) throw notFound('bill', id ?? '');
  return b;
}

function update(deps: BillDeps, org: Organization, bill: Bill, body: unknown, mode: 'put' | 'patch'): Bill {
  const { input, errors } = checkBill(org, body, mode, bill);
  if (errors.length) throw invalid(errors);
  const vendorId = input.vendorId ?? bill.vendorId;
  const currency = org.vendors.get(vendorId)?.billCurrency ?? bill.currency;
  // Amounts are held in the bill currency's minor units, so the currency of an existing bill is fixed.
  if (currency !== bill.currency) throw badRequest(`A ${bill.currency} bill cannot move to a vendor whose bill currency is ${currency}.`);
  const next: Bill = defined({
    ...bill,
    vendorId,
    currency,
    dueDate: input.dueDate ?? bill.dueDate,
    invoice: { ...bill.invoice, ...input.invoice },
    lines: buildLines(deps, input, bill, mode, currency),
  });
  // PUT replaces the optional top-level fields too; PATCH keeps what it does not name.
  for (const key of ['description', 'payFromChartOfAccountId', 'classifications', 'purchaseOrderNumber'] as const) {
    if (mode === 'put' || input.given.has(key)) {
      if (input[key] === undefined) delete next[key];
      else (next as unknown as Record<string, unknown>)[key] = input[key];
    }
  }
  const amountErrors = checkAmounts(org, next);
  if (amountErrors.length) throw invalid(amountErrors);
  if (fingerprint(next) !== fingerprint(bill)) {
    next.updatedTime = deps.state.bump(bill.updatedTime);
    org.bills.set(bill.id, next);
    emitUpdated(deps, org, bill, next);
  }
  return org.bills.get(bill.id)!;
}

export function registerBillRoutes(app: FastifyInstance, deps: BillDeps): void {
  apiRoute(app, deps, 'GET', 'connect', '/bills', ({ org, query }) => {
    const page = listPage(org.bills.values(), query, billListSpec(deps, org), { endStyle: deps.options.listEndStyle, includeArchived: deps.options.listArchived });
    return { status: 200, body: pageBody(page, (b) => org.wire.apply(b.id, billView(deps, org, b))) };
  });

  apiRoute(app, deps, 'POST', 'connect', '/bills', ({ org, body }) => {
    const { input, errors } = checkBill(org, body, 'create');
    if (errors.length) throw invalid(errors);
    const bill = draftBill(deps, org, input, deps.state.now());
    const amountErrors = checkAmounts(org, bill);
    if (amountErrors.length) throw invalid(amountErrors);
    org.bills.set(bill.id, bill);
    deps.webhooks.emit(org, 'bill.created', 'bill', createdPayload(bill), bill.id);
    return { status: 201, body: billView(deps, org, bill) };
  });

  apiRoute(app, deps, 'POST', 'connect', '/bills/bulk', ({ org, body }) => {
    const cap = deps.options.bulkBillsCap;
    if (!Array.isArray(body) || body.length === 0) throw badRequest('The request body must be a non-empty JSON array of bills.');
    if (body.length > cap) throw badRequest(`You can create up to ${cap} bills with one request; got ${body.length}.`);
    const at = deps.state.now();
    const errors: string[] = [];
    const drafts: Bill[] = [];
    body.forEach((item, i) => {
      const prefix = `bills[${i}]: `;
      const checked = checkBill(org, item, 'create', undefined, prefix);
      if (checked.errors.length) return void errors.push(...checked.errors);
      const draft = draftBill(deps, org, checked.input, at);
      const amountErrors = checkAmounts(org, draft, prefix);
      if (amountErrors.length) errors.push(...amountErrors);
      else drafts.push(draft);
    });
    // Atomic ([BR:createbulkbills]): any invalid item and nothing is created; each error names its index.
    if (errors.length) throw new BillApiError(400, errors.map((message) => ({ code: 'BDC_1002', message, category: 'REQUEST' as const })));
    for (const b of drafts) org.bills.set(b.id, b);
    for (const b of drafts) deps.webhooks.emit(org, 'bill.created', 'bill', createdPayload(b), b.id);
    return { status: 201, body: drafts.map((b) => billView(deps, org, b)) };
  });

  apiRoute(app, deps, 'GET', 'connect', '/bills/:billId', ({ org, params }) => ({ status: 200, body: org.wire.apply(params.billId!, billView(deps, org, getBill(org, params.billId))) }));

  for (const method of ['PUT', 'PATCH'] as const) {
    apiRoute(app, deps, method, 'connect', '/bills/:billId', ({ org, params, body }) => {
      const bill = update(deps, org, getBill(org, params.billId), body, method === 'PUT' ? 'put' : 'patch');
      return { status: 200, body: billView(deps, org, bill) };
    });
  }

  for (const [action, archived] of [['archive', true], ['restore', false]] as const) {
    apiRoute(app, deps, 'POST', 'connect', `/bills/:billId/${action}`, ({ org, params }) => {
      const b = getBill(org, params.billId);
      if (b.archived !== archived) {
        b.archived = archived;
        b.updatedTime = deps.state.bump(b.updatedTime);
        deps.webhooks.emit(org, archived ? 'bill.archived' : 'bill.restored', 'bill', { id: b.id, updatedTime: isoTime(b.updatedTime), archived }, b.id);
      }
      return { status: 200, body: billView(deps, org, b) };
    });
  }
}
