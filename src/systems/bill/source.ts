import { isKnownCurrency, parseMoney, sumMoney, type Money } from '../../core/money.ts';
import type { Bill, Vendor } from '../../model/types.ts';
import type { EntityReader, InvalidRecord, Page, Read } from '../../engine/ports.ts';
import type { UndecodedItem } from '../../http/decode.ts';
import { textField, UnreadableRecord } from '../unreadable.ts';
import type { BillFilter } from './filters.ts';
import { mergeByUpdatedTime } from './delta.ts';
import type { BillOrgClient, BillListOptions, BillPage, CheckedRecords } from './org-client.ts';
import { billSpec } from './spec.ts';
import type { BillBill, BillRecurringBill, BillVendor } from './schema.ts';
import { billToModel, vendorToModel } from './to-model.ts';

/**
 * How far a delta read's checkpoint sits before the newest change it saw. BILL stamps changes to the
 * millisecond and the reads ask for `updatedTime:gt:<checkpoint>`, but a record saved in the same
 * second as the newest one read can become visible only after that read (a save still committing
 * carries an earlier stamp), and BILL's filters also take second-precision times
 * ([BD:search-op-with-lists]). Records inside the overlap are read again; to the engine they are
 * unchanged.
 */
export const defaultCursorOverlapMs = 5_000;

/** A BILL recurring bill as people see it: who it pays, how much, how often, and when next. */
export interface RecurringBillSummary {
  id: string;
  vendorId: string;
  /** The vendor's name; '' when BILL no longer returns the vendor. */
  vendorName: string;
  description: string | null;
  /** The sum of its lines, in the vendor's bill currency. */
  amount: Money;
  /** BILL's `schedule.period` (WEEKLY, MONTHLY, YEARLY; NONE is seen in answers) and `frequency` (every n periods). */
  period: string;
  every: number;
  /** "Monthly", "Every 2 weeks", "Yearly"… */
  frequencyLabel: string;
  /** yyyy-MM-dd of the next bill's due date; null when the schedule has ended. */
  nextDueDate: string | null;
  endDate: string | null;
  /** Days before its due date that each bill is made. */
  daysInAdvance: number;
  archived: boolean;
}

const periodUnits: Readonly<Record<string, [string, string]>> = { WEEKLY: ['Weekly', 'weeks'], MONTHLY: ['Monthly', 'months'], YEARLY: ['Yearly', 'years'] };

/** How often, in words: BILL's period and frequency. */
export function frequencyLabel(period: string, every: number): string {
  const unit = periodUnits[period];
  if (!unit) return period === 'NONE' ? 'Does not repeat' : period;
  return every === 1 ? unit[0] : `Every ${every} ${unit[1]}`;
}

export interface BillSourceOptions {
  /** The currency of a vendor BILL does not return (BILL's default bill currency is USD). */
  defaultCurrency: string;
  cursorOverlapMs?: number;
}

/**
 * BILL as the source of vendors and bills (BILL → QBO): pages of records changed since a checkpoint,
 * oldest first (`sort=updatedTime:asc`, `max=100`, the `nextPage` token passed back as `page`;
 * reference A9), and records by id through `id:in` filters. Each record is read on its own: one that
 * does not decode or does not fit the model is invalid with its reason, the rest of its page is read.
 */
export class BillSource {
  readonly vendor: EntityReader<Vendor>;
  readonly bill: EntityReader<Bill>;
  /**
   * Vendor id → its bill currency, or why its record could not be read, for the bills read in this
   * run: BILL puts no currency on bills, and vendors are usually read just before them.
   */
  private readonly vendorCurrency = new Map<string, string | { unreadable: string }>();

  constructor(
    private readonly client: BillOrgClient,
    private readonly options: BillSourceOptions,
  ) {
    this.vendor = {
      iterate: (since) => this.delta(since, (o) => client.readVendors(o), (p) => this.vendors(p)),
      get: (ids) => byBillIds(ids, async (wanted) => this.vendors(await withArchived(wanted, (i, f) => client.readVendorsByIds(i, f)))),
    };
    this.bill = {
      iterate: (since) => this.delta(since, (o) => client.readBills(o), (p) => this.bills(p)),
      get: (ids) => byBillIds(ids, async (wanted) => this.bills(await withArchived(wanted, (i, f) => client.readBillsByIds(i, f)))),
    };
  }

  /**
   * Pages changed after `since`, each with the checkpoint to store once it is written: the newest
   * change given out so far less the overlap, never before `since`. Whether BILL lists archived
   * records when no `archived` filter is sent is not documented (reference A14.8), so active and
   * archived records are read as two lists (`archived:eq:false`, `archived:eq:true`, filters BILL
   * documents for vendors and bills) merged oldest first: an archive is never missed, and a read
   * stopped mid-way resumes from the last stored page.
   */
  private async *delta<W extends { updatedTime: string }, T>(
    since: string | null,
    list: (options: BillListOptions) => AsyncGenerator<BillPage<W>>,
    convert: (page: CheckedRecords<W>) => Promise<Read<T>>,
  ): AsyncIterable<Page<T>> {
    const overlap = this.options.cursorOverlapMs ?? defaultCursorOverlapMs;
    const floor = since ? Date.parse(since) : Number.NEGATIVE_INFINITY;
    const lists = [false, true].map((archived) => list({ ...(since ? { updatedAfter: since } : {}), filters: [{ field: 'archived', op: 'eq', value: archived }] }));
    // An unreadable record is recorded as failed with its page, so the checkpoint may pass it too.
    for await (const page of mergeByUpdatedTime(lists, billSpec.batchCaps.pageSize)) {
      const checkpoint = Math.max(floor, page.newest - overlap);
      yield { ...(await convert(page)), cursor: Number.isFinite(checkpoint) ? new Date(checkpoint).toISOString() : since };
    }
  }

  /**
   * Every recurring bill (`GET /v3/recurringbills`, oldest first), each read on its own, with its
   * vendor's name and currency (one `id:in` read for the vendors). The bills they make are ordinary
   * bills, read by `bill.iterate` like any other.
   */
  async recurringBills(): Promise<Read<RecurringBillSummary>> {
    const page: CheckedRecords<BillRecurringBill> = { records: [], invalid: [] };
    for await (const p of this.client.readRecurringBills()) {
      page.records.push(...p.records);
      page.invalid.push(...p.invalid);
    }
    const vendors = await withArchived([...new Set(page.records.map((r) => r.vendorId))], (i, f) => this.client.readVendorsByIds(i, f));
    this.rememberVendors(vendors);
    const byId = new Map(vendors.records.map((v) => [v.id, v]));
    return convertEach(page, (r) => {
      const vendor = byId.get(r.vendorId);
      const currency = vendor?.billCurrency || this.options.defaultCurrency;
      if (!isKnownCurrency(currency)) throw new UnreadableRecord(`the vendor's bill currency '${currency}' is not an ISO 4217 code`, 'MLC_ERR_UNKNOWN_CURRENCY');
      const amounts = r.recurringBillLineItems.map((l, i) => {
        try {
          return parseMoney(l.amount, currency);
        } catch (e) {
          throw new UnreadableRecord(`recurringBillLineItems[${i}].amount: ${e instanceof Error ? e.message : String(e)}`);
        }
      });
      const every = r.schedule.frequency ?? 1;
      return {
        id: r.id, vendorId: r.vendorId, vendorName: vendor?.name ?? '', description: r.description ?? null, amount: sumMoney(currency, amounts),
        period: r.schedule.period, every, frequencyLabel: frequencyLabel(r.schedule.period, every),
        nextDueDate: r.schedule.nextDueDate ?? null, endDate: r.schedule.endDate ?? null, daysInAdvance: r.schedule.daysInAdvance ?? 0, archived: r.archived,
      };
    }, (r) => r.description ?? r.id, 'description');
  }

  private rememberVendors(page: CheckedRecords<BillVendor>): void {
    for (const v of page.records) this.vendorCurrency.set(v.id, v.billCurrency || this.options.defaultCurrency);
    for (const i of page.invalid) {
      const id = textField(i, 'id');
      if (id) this.vendorCurrency.set(id, { unreadable: i.reason });
    }
  }

  /** The bill currency of each vendor, read by id for those not seen yet; a vendor BILL does not return is in the default currency. */
  private async currencies(vendorIds: readonly string[]): Promise<Map<string, string | { unreadable: string }>> {
    const unseen = [...new Set(vendorIds)].filter((id) => !this.vendorCurrency.has(id));
    if (unseen.length > 0) this.rememberVendors(await withArchived(unseen, (i, f) => this.client.readVendorsByIds(i, f)));
    for (const id of unseen) if (!this.vendorCurrency.has(id)) this.vendorCurrency.set(id, this.options.defaultCurrency);
    return this.vendorCurrency;
  }

  private async vendors(page: CheckedRecords<BillVendor>): Promise<Read<Vendor>> {
    this.rememberVendors(page);
    return convertEach(page, (v) => vendorToModel(v, this.options.defaultCurrency), (v) => v.name, 'name');
  }

  private async bills(page: CheckedRecords<BillBill>): Promise<Read<Bill>> {
    // A bill is in its vendor's bill currency (BILL puts none on bills).
    const currencies = await this.currencies(page.records.map((b) => b.vendorId));
    return convertEach(page, (b) => {
      const currency = currencies.get(b.vendorId) ?? this.options.defaultCurrency;
      // Without its vendor the bill's currency is unknown: the bill waits for its vendor to be readable.
      if (typeof currency !== 'string') throw new UnreadableRecord(`vendorId: vendor ${b.vendorId} could not be read (${currency.unreadable}), so the bill's currency is unknown`);
      return billToModel(b, currency);
    }, (b) => b.invoice.invoiceNumber, 'invoice');
  }
}

/**
 * Records by id; those the first read does not return are asked for again as archived ones, in case
 * BILL leaves archived records out of a list without an `archived` filter (unverified, A14.8).
 */
async function withArchived<W extends { id: string }>(ids: readonly string[], read: (ids: readonly string[], filters: BillFilter[]) => Promise<CheckedRecords<W>>): Promise<CheckedRecords<W>> {
  const first = await read(ids, []);
  const seen = new Set([...first.records.map((r) => r.id), ...first.invalid.map((i) => textField(i, 'id'))]);
  const missing = ids.filter((id) => !seen.has(id));
  if (missing.length === 0) return first;
  const archived = await read(missing, [{ field: 'archived', op: 'eq', value: true }]);
  const known = new Set(first.records.map((r) => r.id));
  return { records: [...first.records, ...archived.records.filter((r) => !known.has(r.id))], invalid: [...first.invalid, ...archived.invalid] };
}

/**
 * Reads by id the ids shaped like BILL's (letters and digits, [BD:bill-generated-ids]); any other is
 * invalid on its own rather than breaking the `id:in` filter of the others.
 */
async function byBillIds<T>(ids: readonly string[], read: (ids: string[]) => Promise<Read<T>>): Promise<Read<T>> {
  const wanted = ids.filter((id) => /^[A-Za-z0-9]+$/.test(id));
  const others = ids.filter((id) => !/^[A-Za-z0-9]+$/.test(id)).map((id): InvalidRecord => ({ id, label: id, reason: `'${id}' is not a BILL id`, code: 'MLC_ERR_NOT_FOUND' }));
  const got = wanted.length > 0 ? await read(wanted) : { items: [], invalid: [] };
  return { items: got.items, invalid: [...others, ...got.invalid] };
}

/** Each decoded record converted on its own; those that do not decode or convert are invalid, named by what can be read of them. */
function convertEach<W extends { id: string }, T>(page: CheckedRecords<W>, convert: (w: W) => T, label: (w: W) => string, labelKey: string): Read<T> {
  const out: Read<T> = { items: [], invalid: page.invalid.map((i) => undecoded(i, labelKey)) };
  for (const w of page.records) {
    try {
      out.items.push(convert(w));
    } catch (e) {
      if (!(e instanceof UnreadableRecord)) throw e;
      out.invalid.push({ id: w.id, label: label(w), reason: e.message, code: e.code });
    }
  }
  return out;
}

/** A record that did not match its schema: its id and label where they can be read (a bill's label is its invoice number). */
function undecoded(item: UndecodedItem, labelKey: string): InvalidRecord {
  const id = textField(item, 'id');
  const raw = item.raw as Record<string, unknown> | null;
  const nested = labelKey === 'invoice' && raw && typeof raw === 'object' ? (raw.invoice as { invoiceNumber?: unknown } | undefined)?.invoiceNumber : undefined;
  const label = typeof nested === 'string' && nested.trim() ? nested : labelKey === 'invoice' ? null : textField(item, labelKey);
  return { id, label: label ?? id ?? '', reason: item.reason, code: 'MLC_ERR_BAD_RESPONSE' };
}
