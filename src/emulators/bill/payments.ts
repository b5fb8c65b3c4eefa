/**
 * Payments (reference A6): `GET /v3/payments`, `GET /v3/payments/{id}` and `POST /v3/bills/record-payment`
 * over the API; paying through the BILL network is driven from the control surface (`/_emulator/pay`,
 * `/_emulator/payments/{id}/status`), which calls createPayment and setPaymentStatus below. Each
 * status change sends `payment.updated`, and `payment.failed` for failure statuses (A12).
 */
import type { FastifyInstance } from 'fastify';
import { amountJson, parseAmount } from './amounts.ts';
import { BillApiError, badRequest, invalid, notFound } from './errors.ts';
import { listPage, pageBody } from './lists.ts';
import type { Bill, Organization, Payment } from './model.ts';
import type { BillDeps } from './options.ts';
import { paymentListSpec, paymentView, webhookPayload } from './payment-views.ts';
import { billTotals, checkSingleStatus, checkTransition, effectOf, failedStatuses } from './payments-logic.ts';
import { apiRoute } from './pipeline.ts';
import { isValidDate, isoDate } from './time.ts';
import { Checker, defined, isObject } from './validate.ts';

function emitPayment(deps: BillDeps, org: Organization, p: Payment): void {
  deps.webhooks.emit(org, 'payment.updated', 'payment', webhookPayload(org, p), p.id);
  if (failedStatuses.has(p.singleStatus)) deps.webhooks.emit(org, 'payment.failed', 'payment', webhookPayload(org, p), p.id);
}

/** Marks the bills and vendor touched by a payment change. */
function touch(deps: BillDeps, org: Organization, p: Payment): void {
  for (const bp of p.billPayments) {
    const bill = org.bills.get(bp.billId);
    if (bill) bill.updatedTime = deps.state.bump(bill.updatedTime);
  }
  const vendor = org.vendors.get(p.vendorId);
  if (vendor && effectOf(p.singleStatus) === 'paid' && (!vendor.lastPaymentDate || vendor.lastPaymentDate < p.processDate)) {
    vendor.lastPaymentDate = p.processDate;
  }
}

export interface PaymentItem {
  bill: Bill;
  amount: bigint;
}

export interface NewPayment {
  vendorId: string;
  items: PaymentItem[];
  singleStatus: string;
  processDate: string;
  onlinePayment: boolean;
  description?: string;
}

/** Creates a payment over one or more bills of one vendor; no bill may be paid beyond its due amount. */
export function createPayment(deps: BillDeps, org: Organization, input: NewPayment, options: { emit?: boolean; at?: number } = {}): Payment {
  const errors: string[] = [];
  for (const { bill, amount } of input.items) {
    if (bill.archived) errors.push(`Bill ${bill.id} is archived.`);
    if (bill.vendorId !== input.vendorId) errors.push(`Bill ${bill.id} belongs to another vendor.`);
    if (amount <= 0n) errors.push(`The amount for bill ${bill.id} must be greater than zero.`);
    const due = billTotals(org, bill).due;
    if (effectOf(input.singleStatus) !== 'void' && amount > due) {
      errors.push(`The amount ${amountJson(amount, bill.currency)} is more than the amount due on bill ${bill.id} (${amountJson(due, bill.currency)}).`);
    }
  }
  if (errors.length) throw invalid(errors);
  const at = options.at ?? deps.state.now();
  const currency = input.items[0]!.bill.currency;
  const seq = org.payments.size + 1;
  const payment: Payment = defined({
    id: deps.state.newId('payment'),
    vendorId: input.vendorId,
    currency,
    billPayments: input.items.map(({ bill, amount }) => ({ id: deps.state.newId('billPayment'), billId: bill.id, amount })),
    amount: input.items.reduce((sum, i) => sum + i.amount, 0n),
    description: input.description,
    processDate: input.processDate,
    singleStatus: input.singleStatus,
    onlinePayment: input.onlinePayment,
    fundingAccountId: `${org.id.replace(/^008/, 'bac')}`,
    transactionNumber: `T${String(100000 + seq)}`,
    confirmationNumber: `C${org.id.slice(-6).toUpperCase()}${String(seq).padStart(6, '0')}`,
    createdBy: deps.state.userId,
    voidInfo: [],
    createdTime: at,
    updatedTime: at,
  });
  org.payments.set(payment.id, payment);
  for (const bp of payment.billPayments) {
    const set = org.paymentsByBill.get(bp.billId) ?? new Set<string>();
    set.add(payment.id);
    org.paymentsByBill.set(bp.billId, set);
  }
  if (options.at === undefined) touch(deps, org, payment);
  else {
    const vendor = org.vendors.get(payment.vendorId);
    if (vendor && effectOf(payment.singleStatus) === 'paid') vendor.lastPaymentDate = payment.processDate;
  }
  if (options.emit !== false) emitPayment(deps, org, payment);
  return payment;
}

/** Moves a payment to another singleStatus, as the BILL network would; voids restore the bills' due amounts. */
export function setPaymentStatus(deps: BillDeps, org: Organization, payment: Payment, next: string): Payment {
  if (payment.singleStatus === next) return payment;
  checkTransition(payment, next);
  if (effectOf(payment.singleStatus) === 'void' && effectOf(next) !== 'void') {
    for (const bp of payment.billPayments) {
      const bill = org.bills.get(bp.billId);
      if (bill && bp.amount > billTotals(org, bill, payment.id).due) {
        throw new BillApiError(409, [{ code: 'BDC_1002', message: `Bill ${bill.id} no longer has ${amountJson(bp.amount, bill.currency)} due.` }]);
      }
    }
  }
  const now = deps.state.bump(payment.updatedTime);
  payment.singleStatus = next;
  payment.updatedTime = now;
  if (next === 'VOIDED') {
    payment.voidInfo.push({
      id: deps.state.newId('voidRequest'),
      requestedBy: deps.state.userId,
      type: 'VOID_ONLY',
      status: 'PROCESSED',
      reason: 'Voided',
      createdTime: now,
      updatedTime: now,
    });
  }
  touch(deps, org, payment);
  emitPayment(deps, org, payment);
  return payment;
}

/** `POST /v3/bills/record-payment` body: {vendorId, processDate, toPrintCheck, payments:[{billId, amount}]} (A5). */
function recordPayment(deps: BillDeps, org: Organization, body: unknown): Payment {
  if (!isObject(body)) throw badRequest('The request body must be an object.');
  const c = new Checker();
  c.keys(body, ['vendorId', 'processDate', 'toPrintCheck', 'payments', 'description'], '');
  const vendorId = c.string(body, 'vendorId', '', { required: true });
  const processDate = c.date(body, 'processDate', '', { required: true });
  const description = c.string(body, 'description', '');
  c.boolean(body, 'toPrintCheck', '');
  if (vendorId && !org.vendors.has(vendorId)) c.fail(`vendorId ${vendorId} is not a vendor in this organization.`);
  const items: PaymentItem[] = [];
  if (!Array.isArray(body.payments) || body.payments.length === 0) c.fail('payments must be a non-empty array.');
  else {
    body.payments.forEach((raw, i) => {
      if (!isObject(raw)) return c.fail(`payments[${i}] must be an object.`);
      const billId = c.string(raw, 'billId', `payments[${i}]`, { required: true });
      const bill = billId ? org.bills.get(billId) : undefined;
      if (billId && !bill) return c.fail(`payments[${i}].billId ${billId} is not a bill in this organization.`);
      const amount = parseAmount(raw.amount, bill?.currency ?? 'USD');
      if (typeof amount === 'string') return c.fail(`payments[${i}].amount ${amount}.`);
      if (bill) items.push({ bill, amount });
    });
  }
  if (!c.ok) throw invalid(c.errors);
  // A payment made outside BILL is already settled when it is recorded.
  return createPayment(deps, org, { vendorId: vendorId!, items, singleStatus: 'CLEARED', processDate: processDate!, onlinePayment: false, description });
}

export function registerPaymentRoutes(app: FastifyInstance, deps: BillDeps): void {
  apiRoute(app, deps, 'GET', 'connect', '/payments', ({ org, query }) => {
    const page = listPage(org.payments.values(), query, paymentListSpec, { endStyle: deps.options.listEndStyle, includeArchived: true });
    return { status: 200, body: pageBody(page, (p) => org.wire.apply(p.id, paymentView(org, p))) };
  });

  apiRoute(app, deps, 'GET', 'connect', '/payments/:paymentId', ({ org, params }) => {
    const p = params.paymentId ? org.payments.get(params.paymentId) : undefined;
    if (!p) throw notFound('payment', params.paymentId ?? '');
    return { status: 200, body: org.wire.apply(p.id, paymentView(org, p)) };
  });

  apiRoute(app, deps, 'POST', 'connect', '/bills/record-payment', ({ org, body }) => ({ status: 200, body: paymentView(org, recordPayment(deps, org, body)) }));
}

/** What `/_emulator/pay` takes: the amount as decimal text (default: everything due). */
export interface PayInput {
  billId: string;
  amount?: string;
  singleStatus?: string;
  processDate?: string;
}

export function payBill(deps: BillDeps, input: PayInput): { org: Organization; payment: Payment } {
  if (typeof input.billId !== 'string') throw badRequest('billId is required.');
  const org = deps.state.orgOfBill(input.billId);
  const bill = org?.bills.get(input.billId);
  if (!org || !bill) throw notFound('bill', input.billId);
  const singleStatus = input.singleStatus === undefined ? 'CLEARED' : checkSingleStatus(input.singleStatus);
  if (input.processDate !== undefined && !isValidDate(input.processDate)) throw badRequest('processDate must be a date in yyyy-MM-dd format.');
  let amount = billTotals(org, bill).due;
  if (input.amount !== undefined) {
    const parsed = parseAmount(input.amount, bill.currency);
    if (typeof parsed === 'string') throw badRequest(`amount ${parsed}.`);
    amount = parsed;
  } else if (amount <= 0n) throw badRequest(`Bill ${bill.id} has nothing due.`);
  const payment = createPayment(deps, org, {
    vendorId: bill.vendorId,
    items: [{ bill, amount }],
    singleStatus,
    processDate: input.processDate ?? isoDate(deps.state.now()),
    onlinePayment: true,
  });
  return { org, payment };
}
