/**
 * Checking recurring bill bodies (`POST /v3/recurringbills`, fields as the v3 Postman collection
 * shows them, [BPM] "Create a recurring bill"): `vendorId`, `schedule {period, frequency,
 * nextDueDate, endDate, daysInAdvance}`, `recurringBillLineItems [{amount, description,
 * classifications}]`, `description`, `processingOptions {autoPayment}`, `paymentInformation
 * {bankAccountId}`. Unknown fields are refused, as elsewhere (BDC_1002).
 */
import { parseAmount } from './amounts.ts';
import { checkClassifications } from './bill-input.ts';
import type { Classifications, Organization, RecurringSchedule } from './model.ts';
import { Checker, isObject } from './validate.ts';

const fields = ['vendorId', 'schedule', 'recurringBillLineItems', 'description', 'processingOptions', 'paymentInformation'];
const scheduleFields = ['period', 'frequency', 'nextDueDate', 'endDate', 'daysInAdvance'];
/** Periods a schedule may be created with: the values the collection's examples show, NONE aside (seen only in answers). */
export const recurringPeriods = ['WEEKLY', 'MONTHLY', 'YEARLY'] as const;
const lineFields = ['amount', 'description', 'classifications'];
// The line classifications a recurring bill line shows in [BPM] (no customerId, unlike bill lines).
const lineClassificationFields = ['chartOfAccountId', 'accountingClassId', 'departmentId', 'employeeId', 'jobId', 'locationId', 'itemId'];

export interface RecurringLineInput {
  amount: bigint;
  description?: string;
  classifications?: Classifications;
}

export interface RecurringInput {
  vendorId: string;
  currency: string;
  description?: string;
  schedule: RecurringSchedule;
  lines: RecurringLineInput[];
  autoPayment: boolean;
  bankAccountId?: string;
}

function checkSchedule(c: Checker, body: Record<string, unknown>): RecurringSchedule | undefined {
  const s = c.object(body, 'schedule', '', { required: true });
  if (!s) return undefined;
  c.keys(s, scheduleFields, 'schedule');
  const period = c.oneOf(s, 'period', 'schedule', recurringPeriods, { required: true }) as RecurringSchedule['period'] | undefined;
  const frequency = c.integer(s, 'frequency', 'schedule') ?? 1;
  if (frequency < 1 || frequency > 99) c.fail('schedule.frequency must be between 1 and 99.');
  const nextDueDate = c.date(s, 'nextDueDate', 'schedule', { required: true });
  const endDate = c.date(s, 'endDate', 'schedule');
  if (nextDueDate && endDate && endDate < nextDueDate) c.fail('schedule.endDate cannot be before schedule.nextDueDate.');
  const daysInAdvance = c.integer(s, 'daysInAdvance', 'schedule') ?? 0;
  if (daysInAdvance < 0 || daysInAdvance > 365) c.fail('schedule.daysInAdvance must be between 0 and 365.');
  if (!period || !nextDueDate) return undefined;
  return { period, frequency, nextDueDate, ...(endDate ? { endDate } : {}), daysInAdvance };
}

function checkLines(c: Checker, org: Organization, raw: unknown, currency: string): RecurringLineInput[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    c.fail('recurringBillLineItems must be an array with at least one line item.');
    return [];
  }
  return raw.flatMap((l, i): RecurringLineInput[] => {
    const path = `recurringBillLineItems[${i}]`;
    if (!isObject(l)) return (c.fail(`${path} must be an object.`), []);
    c.keys(l, lineFields, path);
    const amount = l.amount === undefined || l.amount === null ? `is required` : parseAmount(l.amount, currency);
    if (typeof amount === 'string') return (c.fail(`${path}.amount ${amount}.`), []);
    const description = c.string(l, 'description', path, { max: 4000 });
    const cls = c.object(l, 'classifications', path);
    const classifications = cls ? checkClassifications(c, org, cls, `${path}.classifications`, lineClassificationFields) : undefined;
    return [{ amount, ...(description !== undefined ? { description } : {}), ...(classifications ? { classifications } : {}) }];
  });
}

/** Validates a create body; errors are collected, not thrown. */
export function checkRecurringBill(org: Organization, body: unknown): { input?: RecurringInput; errors: string[] } {
  const c = new Checker();
  if (!isObject(body)) return { errors: ['The request body must be a recurring bill object.'] };
  c.keys(body, fields, '');
  const vendorId = c.string(body, 'vendorId', '', { required: true });
  const vendor = vendorId ? org.vendors.get(vendorId) : undefined;
  if (vendorId && !vendor) c.fail(`vendorId ${vendorId} is not a vendor in this organization.`);
  else if (vendor?.archived) c.fail(`vendorId ${vendorId} is archived.`);
  const currency = vendor?.billCurrency ?? 'USD';
  const schedule = checkSchedule(c, body);
  const lines = checkLines(c, org, body.recurringBillLineItems, currency);
  if (lines.length > 0 && lines.reduce((sum, l) => sum + l.amount, 0n) <= 0n) c.fail('The recurring bill amount must be greater than zero.');
  const description = c.string(body, 'description', '', { max: 4000 });
  const options = c.object(body, 'processingOptions', '');
  if (options) c.keys(options, ['autoPayment'], 'processingOptions');
  const autoPayment = (options && c.boolean(options, 'autoPayment', 'processingOptions')) ?? false;
  const payment = c.object(body, 'paymentInformation', '');
  if (payment) c.keys(payment, ['bankAccountId'], 'paymentInformation');
  const bankAccountId = payment ? c.string(payment, 'bankAccountId', 'paymentInformation') : undefined;
  if (!c.ok || !vendor || !schedule) return { errors: c.errors.length ? c.errors : ['The recurring bill is not valid.'] };
  return {
    input: { vendorId: vendor.id, currency, schedule, lines, autoPayment, ...(description !== undefined ? { description } : {}), ...(bankAccountId ? { bankAccountId } : {}) },
    errors: [],
  };
}
