/**
 * Recurring bills (`/v3/recurringbills`, v3 Postman collection [BPM]): list, create (201), get,
 * archive/restore. A recurring bill is a template with a schedule; on its making date (`nextDueDate`
 * less `daysInAdvance` days, on the emulator clock) it becomes an ordinary bill, read, paid and
 * synced like any other, and the schedule moves to its next date. BILL makes them in the background;
 * here the bills due are made at the start of the next request of any kind (server.ts), so moving
 * the clock forward (`POST /_emulator/clock`) and reading is enough. See docs/emulators/bill.md.
 */
import type { FastifyInstance } from 'fastify';
import { amountJson } from './amounts.ts';
import { createdPayload } from './bill-views.ts';
import { invalid, notFound } from './errors.ts';
import { listPage, ops, pageBody, type ListSpec } from './lists.ts';
import type { Bill, Organization, RecurringBill, RecurringSchedule } from './model.ts';
import type { BillDeps } from './options.ts';
import { apiRoute } from './pipeline.ts';
import { checkRecurringBill } from './recurring-input.ts';
import { isoDate, isoTime } from './time.ts';
import { defined } from './validate.ts';

const dayMs = 86_400_000;
/** Bills made for one template in one go at most, when the clock jumps far (a guard, not BILL behaviour). */
const catchUpLimit = 100;

/** `date` moved by whole months, the day kept where the month has it (31 Jan + 1 month = 28 Feb). */
function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return isoDate(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, last)));
}

/** The due date of occurrence `k` (0 = the first), counted from the first due date so month ends stay month ends. */
export function occurrenceDate(anchor: string, schedule: Pick<RecurringSchedule, 'period' | 'frequency'>, k: number): string {
  if (schedule.period === 'WEEKLY') return isoDate(Date.parse(`${anchor}T00:00:00.000Z`) + 7 * schedule.frequency * k * dayMs);
  return addMonths(anchor, (schedule.period === 'YEARLY' ? 12 : 1) * schedule.frequency * k);
}

export function recurringView(r: RecurringBill): Record<string, unknown> {
  return defined({
    archived: r.archived,
    id: r.id,
    recurringBillLineItems: r.lines.map((l) => defined({ amount: amountJson(l.amount, r.currency), id: l.id, description: l.description, classifications: l.classifications ?? {} })),
    schedule: defined({ ...r.schedule }),
    vendorId: r.vendorId,
    description: r.description,
    processingOptions: { autoPayment: r.autoPayment },
    paymentInformation: r.bankAccountId ? { bankAccountId: r.bankAccountId } : undefined,
    createdTime: isoTime(r.createdTime),
    updatedTime: isoTime(r.updatedTime),
  });
}

/** The list whitelist BILL does not publish for recurring bills (choice): the fields every list has, and the vendor. */
const recurringListSpec: ListSpec<RecurringBill> = {
  entity: 'recurringbills',
  filters: {
    id: { ops: ops.id, kind: 'string', get: (r) => r.id },
    archived: { ops: ops.bool, kind: 'boolean', get: (r) => r.archived },
    vendorId: { ops: ['eq', 'in'], kind: 'string', get: (r) => r.vendorId },
    createdTime: { ops: ops.time, kind: 'time', get: (r) => r.createdTime },
    updatedTime: { ops: ops.time, kind: 'time', get: (r) => r.updatedTime },
  },
  // [BPM] sorts this list by `archived`; the times as on every other list.
  sorts: { archived: (r) => r.archived, createdTime: (r) => r.createdTime, updatedTime: (r) => r.updatedTime },
  id: (r) => r.id,
  created: (r) => r.createdTime,
  archived: (r) => r.archived,
};

/**
 * Makes the bill of the template's next date and moves the schedule on; past `endDate` the schedule
 * has no next date. A template whose vendor is archived makes no bill for that date (choice: a bill
 * needs an active vendor), and its schedule still moves on.
 */
function makeNext(deps: BillDeps, org: Organization, r: RecurringBill, now: number): Bill | undefined {
  const due = r.schedule.nextDueDate;
  if (!due) return undefined;
  const vendor = org.vendors.get(r.vendorId);
  let bill: Bill | undefined;
  if (vendor && !vendor.archived) {
    const madeOn = Math.min(now, Date.parse(`${due}T00:00:00.000Z`) - r.schedule.daysInAdvance * dayMs);
    bill = defined({
      id: deps.state.newId('bill'),
      archived: false,
      vendorId: r.vendorId,
      currency: r.currency,
      description: r.description,
      dueDate: due,
      // BILL's invoice number for a recurring bill's bills is not documented (choice): "RB" and the due date.
      invoice: { invoiceNumber: `RB ${due}`, invoiceDate: isoDate(madeOn) },
      lines: r.lines.map((l) => ({ ...l, id: deps.state.newId('billLine') })),
      // Stamped when it appears, so delta reads (`updatedTime:gt`) find it.
      createdTime: now,
      updatedTime: now,
    });
    org.bills.set(bill.id, bill);
    r.billIds.push(bill.id);
    deps.webhooks.emit(org, 'bill.created', 'bill', createdPayload(bill), bill.id);
  }
  r.occurrences += 1;
  const next = occurrenceDate(r.anchorDate, r.schedule, r.occurrences);
  if (r.schedule.endDate && next > r.schedule.endDate) delete r.schedule.nextDueDate;
  else r.schedule.nextDueDate = next;
  r.updatedTime = deps.state.bump(r.updatedTime);
  return bill;
}

const makingDate = (r: RecurringBill): number => Date.parse(`${r.schedule.nextDueDate}T00:00:00.000Z`) - r.schedule.daysInAdvance * dayMs;

/** Moves the schedule past the dates that went by while the template was archived, making no bills for them (choice). */
function skipPastDates(r: RecurringBill, now: number): void {
  for (let n = 0; r.schedule.nextDueDate && makingDate(r) <= now && n < 10_000; n += 1) {
    r.occurrences += 1;
    const next = occurrenceDate(r.anchorDate, r.schedule, r.occurrences);
    if (r.schedule.endDate && next > r.schedule.endDate) delete r.schedule.nextDueDate;
    else r.schedule.nextDueDate = next;
  }
}

/** Makes every bill whose making date the clock has reached, oldest date first, for one organisation. */
export function makeDueBills(deps: BillDeps, org: Organization): Bill[] {
  const now = deps.state.now();
  const made: Bill[] = [];
  for (const r of org.recurringBills.values()) {
    for (let n = 0; !r.archived && r.schedule.nextDueDate && n < catchUpLimit; n += 1) {
      if (now < makingDate(r)) break;
      const bill = makeNext(deps, org, r, now);
      if (bill) made.push(bill);
    }
  }
  return made;
}

/** Control knob (`POST /_emulator/recurring-bills/{id}/make`): the next bill made now, whatever its date. */
export function makeNextNow(deps: BillDeps, org: Organization, r: RecurringBill): Bill | undefined {
  return makeNext(deps, org, r, deps.state.now());
}

function getRecurring(org: Organization, id: string | undefined): RecurringBill {
  const r = id ? org.recurringBills.get(id) : undefined;
  if (!r) throw notFound('recurring bill', id ?? '');
  return r;
}

export function registerRecurringBillRoutes(app: FastifyInstance, deps: BillDeps): void {
  apiRoute(app, deps, 'GET', 'connect', '/recurringbills', ({ org, query }) => {
    const page = listPage(org.recurringBills.values(), query, recurringListSpec, { endStyle: deps.options.listEndStyle, includeArchived: deps.options.listArchived });
    return { status: 200, body: pageBody(page, (r) => org.wire.apply(r.id, recurringView(r))) };
  });

  apiRoute(app, deps, 'POST', 'connect', '/recurringbills', ({ org, body }) => {
    const { input, errors } = checkRecurringBill(org, body);
    if (!input) throw invalid(errors);
    const at = deps.state.now();
    const { lines, schedule, ...rest } = input;
    const r: RecurringBill = {
      ...rest,
      id: deps.state.newId('recurringBill'),
      archived: false,
      schedule: { ...schedule },
      anchorDate: schedule.nextDueDate!,
      occurrences: 0,
      lines: lines.map((l) => ({ ...l, id: deps.state.newId('billLine') })),
      billIds: [],
      createdTime: at,
      updatedTime: at,
    };
    org.recurringBills.set(r.id, r);
    return { status: 201, body: recurringView(r) };
  });

  apiRoute(app, deps, 'GET', 'connect', '/recurringbills/:recurringBillId', ({ org, params }) => ({
    status: 200,
    body: org.wire.apply(params.recurringBillId!, recurringView(getRecurring(org, params.recurringBillId))),
  }));

  for (const [action, archived] of [['archive', true], ['restore', false]] as const) {
    apiRoute(app, deps, 'POST', 'connect', `/recurringbills/:recurringBillId/${action}`, ({ org, params }) => {
      const r = getRecurring(org, params.recurringBillId);
      // Archiving an archived record is a no-op (A3); an archived template makes no bills.
      if (r.archived !== archived) {
        if (!archived) skipPastDates(r, deps.state.now());
        r.archived = archived;
        r.updatedTime = deps.state.bump(r.updatedTime);
      }
      return { status: 200, body: recurringView(r) };
    });
  }
}
