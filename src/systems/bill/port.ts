import { prefetch } from '../../core/concurrency.ts';
import { isKnownCurrency, money, parseMoney, formatMoney, type Money } from '../../core/money.ts';
import type { Bill, BillPaymentApplication, Department, GlAccount, PaymentLifecycleState, TargetBillLine, TargetBillState, Vendor } from '../../model/types.ts';
import type { BillDirectory, ChartPort, EntityReader, EntityWriter, InvalidRecord, Page, Read, ReadAhead, SystemPort, VendorDirectory, WriteResult } from '../../engine/ports.ts';
import type { UndecodedItem } from '../../http/decode.ts';
import { textField } from '../unreadable.ts';
import { billMatchKey, vendorMatchKey, vendorOfBillMatchKey, type BillPayload, type BillSummary, type VendorIndexEntry, type VendorPayload } from '../../model/payloads.ts';
import type { BillOrgClient } from './org-client.ts';
import type { BillBill, BillPayment, BillVendor } from './schema.ts';
import type { BillInput, BillVendorInput } from './write-shapes.ts';
import { BillSource, type RecurringBillSummary } from './source.ts';

/** Canonical account kinds → BILL chart-of-accounts `account.type` (values seen in BILL's Postman examples). */
const billAccountTypes: Record<GlAccount['kind'], string> = {
  expense: 'EXPENSE', asset: 'OTHER_CURRENT_ASSET', liability: 'OTHER_CURRENT_LIABILITY', equity: 'EQUITY', revenue: 'INCOME', bank: 'BANK', other: 'EXPENSE',
};

/**
 * Every BILL payment `singleStatus` the docs list (developer.bill.com single-status-payment-values,
 * plus EXPIRING and VOID_PENDING from the v3 Postman examples), each mapped on purpose. Money has
 * left once the payment is processed; a "final" status can still regress (CLEARED →
 * DISBURSEMENT_FAILED_ACTION_NEEDED), which the planner handles. A status not listed here is
 * 'unknown': never posted, never taken for cancelled.
 */
const singleStatusStates: Readonly<Record<string, PaymentLifecycleState>> = {
  SCHEDULED: 'scheduled',
  FUNDING_STARTED: 'in_process',
  PROCESSED: 'settled',
  SENT: 'settled',
  DELIVERED: 'settled',
  CLEARED: 'settled',
  CANCELED: 'cancelled',
  VOIDED: 'cancelled',
  FUNDING_FAILED_VOIDED: 'cancelled',
  // A void BILL has not finished yet: the money may still come back, so nothing is posted or removed.
  VOID_PENDING: 'in_process',
  // An unclaimed virtual card about to lapse: the vendor has not taken the money yet.
  EXPIRING: 'in_process',
  // Held for review before it reaches the vendor.
  DISBURSEMENT_ON_HOLD: 'in_process',
  FUNDING_FAILED_ACTION_NEEDED: 'failed',
  DISBURSEMENT_FAILED_ACTION_NEEDED: 'failed',
  DISBURSEMENT_FAILED_VENDOR_BANK_REJECTED: 'failed',
  FUNDS_ESCHEATED: 'escheated',
};

/**
 * The older raw `status`, read only when a payment has no `singleStatus` (values seen in the v3
 * Postman examples and the 2024-12-18 payment webhook changelog). ARCHIVED and UNDEFINED say
 * nothing about the money, so they stay unknown.
 */
const rawStatusStates: Readonly<Record<string, PaymentLifecycleState>> = {
  APPROVING: 'scheduled',
  SCHEDULED: 'scheduled',
  READY_TO_FUND: 'scheduled',
  CANCELLATION_IN_PROGRESS: 'in_process',
  PARTIALLY_CLAIMED: 'in_process',
  PAID: 'settled',
  CANCELLED: 'cancelled',
  VOID: 'cancelled',
};
const cancelledRawStatuses = new Set(['CANCELLED', 'VOID']);

/**
 * A BILL payment's lifecycle state. `singleStatus` is BILL's unified status (changelog 2024-12-26)
 * and decides when it is one listed above. When it is new to the connector, a raw status of
 * cancelled or void still says no money moved; a raw PAID does not settle it, as the raw status
 * is coarser (the docs do not say which raw status a failed or held disbursement shows).
 */
export function paymentState(singleStatus: string | undefined, status: string | undefined): PaymentLifecycleState {
  const known = singleStatus ? singleStatusStates[singleStatus] : undefined;
  if (known) return known;
  if (status && cancelledRawStatuses.has(status)) return 'cancelled';
  if (singleStatus) return 'unknown';
  return (status && rawStatusStates[status]) || 'unknown';
}

/**
 * The BILL line id each line of an update keeps, in the update's order (undefined: a new line).
 * `PUT /v3/bills/{id}` keeps the id of a line sent with its id, gives new ids to lines sent without
 * and removes the lines left out (BILL v3 Postman "Replace a bill"; reference A5). The ERP's lines
 * carry no key BILL knows, so a line the same as one of the bill's (amount, description, account,
 * department) takes that line's id first, and the lines left then pair by position with the bill's
 * lines left: an edit of one line's amount, or a line added or removed, moves no other line's id.
 */
export function keptLineIds(lines: BillPayload['lines'], current: readonly TargetBillLine[]): (string | undefined)[] {
  const same = (l: BillPayload['lines'][number], t: TargetBillLine) =>
    l.amount.minor === t.amount.minor && l.amount.currency === t.amount.currency && l.description === t.description &&
    l.chartOfAccountId === t.accountId && (l.departmentId ?? null) === t.departmentId;
  const free = new Set(current.map((_, i) => i));
  const ids: (string | undefined)[] = lines.map((l) => {
    const i = [...free].find((j) => same(l, current[j]!));
    if (i === undefined) return undefined;
    free.delete(i);
    return current[i]!.id;
  });
  const left = [...free];
  let k = 0;
  return ids.map((id) => id ?? (k < left.length ? current[left[k++]!]!.id : undefined));
}

/** Every item of an all-or-nothing bulk create, written (BILL answers the created records in request order). */
const allWritten = (ids: readonly string[]): WriteResult[] => ids.map((targetId) => ({ ok: true, targetId }));

/** The BILL payment id in the label the connector keeps for a payment application: "BILL <payment id> <application id>". */
export const paymentIdOfLabel = (label: string | null | undefined): string | null => /^BILL (\S+) \S+$/.exec(label ?? '')?.[1] ?? null;

/**
 * BILL as the engine sees it: a chart that may be written, departments, vendors and bills written
 * through the bulk endpoints (all-or-nothing per request, developer.bill.com/reference/createbulkbills),
 * and payments read back. BILL allows 3 requests in flight per organisation, so every writer sends
 * at most 3 at once (the transport's limiter holds the line across writers).
 */
export class BillPort implements SystemPort {
  readonly system = 'bill' as const;
  private readonly client: BillOrgClient;
  private readonly defaultCurrency: string;
  /** Bulk caps in force for this organisation's client (spec data, overridable). */
  private readonly caps: BillOrgClient['caps'];
  readonly chart: ChartPort;
  readonly departments: { list(): Promise<Department[]> };
  readonly read: { vendor: EntityReader<Vendor>; bill: EntityReader<Bill>; payment: EntityReader<BillPaymentApplication> };
  readonly write: { vendor: EntityWriter<VendorPayload>; bill: EntityWriter<BillPayload> };
  readonly vendorDirectory: VendorDirectory;
  readonly billDirectory: BillDirectory;
  /** BILL recurring bills with their next dates, for people to see; the bills they make sync like any other. */
  readonly recurringBills: { list(): Promise<Read<RecurringBillSummary>> };
  /** BILL does not put a currency on bills; a bill is in its vendor's bill currency (USD by default). */
  private vendorCurrency = new Map<string, string>();
  private notFoundVendors = new Set<string>();

  /**
   * @param cursorOverlapMs how far a vendor or bill delta read's checkpoint sits before the newest
   *   change it saw (source.ts defaultCursorOverlapMs).
   */
  constructor(client: BillOrgClient, defaultCurrency = 'USD', options: { cursorOverlapMs?: number } = {}) {
    this.client = client;
    this.defaultCurrency = defaultCurrency;
    this.caps = client.caps;
    this.chart = { list: () => this.listAccounts(), create: (accounts) => this.createAccounts(accounts), createCap: this.caps.classifications };
    this.departments = { list: () => this.listDepartments() };
    // BILL as a source (BILL → QBO): vendors and bills changed since a checkpoint, and by id.
    const source = new BillSource(client, {
      defaultCurrency,
      ...(options.cursorOverlapMs !== undefined ? { cursorOverlapMs: options.cursorOverlapMs } : {}),
    });
    this.recurringBills = { list: () => source.recurringBills() };
    this.read = {
      vendor: source.vendor,
      bill: source.bill,
      payment: {
        iterate: (since, ahead) => this.iteratePaymentApplications(since, ahead),
        // An application is read through its payment, whose id is in the label the connector keeps for it.
        get: async (ids, labels) => {
          const wanted = new Set(ids);
          const paymentIds = [...new Set(ids.map((id) => paymentIdOfLabel(labels?.get(id))).filter((id): id is string => id !== null))];
          const read = await this.getPaymentApplications(paymentIds);
          return { items: read.items.filter((a) => wanted.has(a.id)), invalid: read.invalid.filter((r) => r.id !== null && wanted.has(r.id)) };
        },
      },
    };
    this.write = {
      vendor: {
        caps: { batch: this.caps.vendors, inFlight: 3, atomic: true },
        create: async (payloads) => allWritten(await this.createVendors(payloads)),
        update: (id, payload) => this.updateVendor(id, payload),
        // A vendor is found again by its name, case and outer spaces aside; each match answers the key as asked.
        findByMatchKey: async (keys) => {
          const asked = new Map<string, string[]>();
          for (const k of keys) asked.set(vendorMatchKey(k), [...(asked.get(vendorMatchKey(k)) ?? []), k]);
          return (await this.findVendorsByName(keys)).flatMap((v) => (asked.get(vendorMatchKey(v.name)) ?? []).map((key) => ({ key, id: v.id })));
        },
      },
      bill: {
        caps: { batch: this.caps.bills, inFlight: 3, atomic: true },
        create: async (payloads) => allWritten(await this.createBills(payloads)),
        update: (id, payload, current) => this.updateBill(id, payload, (current as TargetBillState | null | undefined) ?? null),
        archive: (id) => this.archiveBill(id),
        // Active bills of the keys' vendors with the same invoice number and amount.
        findByMatchKey: async (keys) => {
          const wanted = new Set(keys);
          const candidates = await this.findBillsByVendors([...new Set(keys.map(vendorOfBillMatchKey).filter(Boolean))]);
          return candidates
            .filter((c) => !c.archived)
            .map((c) => ({ key: billMatchKey(c.vendorId, c.invoiceNumber, c.amount.minor), id: c.id }))
            .filter((f) => wanted.has(f.key));
        },
      },
    };
    this.vendorDirectory = { iterate: () => this.iterateVendors(), currencies: (ids) => this.vendorCurrencies(ids) };
    this.billDirectory = { iterate: () => this.iterateBills(), states: (ids) => this.getBillStates(ids) };
  }

  get tenantId(): string {
    return this.client.organizationId;
  }

  private currencyOf(vendorId: string): string {
    return this.vendorCurrency.get(vendorId) ?? this.defaultCurrency;
  }

  private amount(value: string | undefined, currency: string): Money {
    if (!isKnownCurrency(currency)) return money(currency, 0n);
    return parseMoney(value ?? '0', currency);
  }

  /**
   * Reads the vendors this hub has not seen yet, by id, so that their bill currency is known. A
   * vendor BILL does not return (deleted, or an id that is not BILL's) is asked for once only.
   */
  private async knowVendors(vendorIds: Iterable<string>): Promise<void> {
    const unseen = [...new Set(vendorIds)].filter((id) => id && !this.vendorCurrency.has(id) && !this.notFoundVendors.has(id));
    if (unseen.length === 0) return;
    for (const v of await this.client.listVendorsByIds(unseen)) this.rememberVendor(v);
    for (const id of unseen) if (!this.vendorCurrency.has(id)) this.notFoundVendors.add(id);
  }

  async vendorCurrencies(vendorIds: readonly string[]): Promise<Map<string, string>> {
    await this.knowVendors(vendorIds);
    return new Map(vendorIds.flatMap((id) => {
      const currency = this.vendorCurrency.get(id);
      return currency ? [[id, currency] as const] : [];
    }));
  }

  private rememberVendor(v: BillVendor): VendorIndexEntry {
    this.vendorCurrency.set(v.id, v.billCurrency || this.defaultCurrency);
    this.notFoundVendors.delete(v.id);
    return { id: v.id, name: v.name, email: v.email ?? null, taxId: v.additionalInfo?.taxId ?? null, archived: v.archived };
  }

  async listAccounts(): Promise<GlAccount[]> {
    return (await this.client.listChartOfAccounts()).map((a) => ({
      id: a.id, code: a.account?.number ?? null, name: a.name, kind: 'expense', active: !a.archived, acceptsPayments: false,
    }));
  }

  async createAccounts(accounts: readonly { name: string; code: string | null; kind: GlAccount['kind'] }[]): Promise<GlAccount[]> {
    const created = await this.client.createChartOfAccountsBulk(
      accounts.map((a) => ({ name: a.name, account: { type: billAccountTypes[a.kind], ...(a.code ? { number: a.code } : {}) } })),
    );
    return created.map((a) => ({ id: a.id, code: a.account?.number ?? null, name: a.name, kind: 'expense', active: !a.archived, acceptsPayments: false }));
  }

  async listDepartments(): Promise<Department[]> {
    return (await this.client.listDepartments()).map((d) => ({ id: d.id, name: d.name, active: !d.archived }));
  }

  async *iterateVendors(): AsyncIterable<VendorIndexEntry[]> {
    for await (const page of this.client.iterateVendors()) yield page.records.map((v) => this.rememberVendor(v));
  }

  async findVendorsByName(names: readonly string[]): Promise<VendorIndexEntry[]> {
    const wanted = new Set(names.map((n) => n.trim().toLowerCase()));
    const out: VendorIndexEntry[] = [];
    for await (const page of this.iterateVendors()) out.push(...page.filter((v) => !v.archived && wanted.has(v.name.trim().toLowerCase())));
    return out;
  }

  private vendorInput(p: VendorPayload): BillVendorInput {
    const a = p.address;
    return {
      name: p.name,
      accountType: 'BUSINESS',
      ...(p.email ? { email: p.email } : {}),
      ...(p.phone ? { phone: p.phone } : {}),
      ...(p.currency ? { billCurrency: p.currency } : {}),
      ...(a && (a.line1 || a.city)
        ? { address: clean({ line1: a.line1, line2: a.line2, city: a.city, stateOrProvince: a.region, zipOrPostalCode: a.postalCode, country: a.country && a.country.length === 2 ? a.country : undefined }) }
        : {}),
      ...(p.taxId ? { additionalInfo: { taxId: p.taxId } } : {}),
    };
  }

  async createVendors(payloads: readonly VendorPayload[]): Promise<string[]> {
    const created = await this.client.createVendorsBulk(payloads.map((p) => this.vendorInput(p)));
    return created.map((v) => this.rememberVendor(v).id);
  }

  async updateVendor(id: string, payload: VendorPayload): Promise<void> {
    this.rememberVendor(await this.client.updateVendor(id, this.vendorInput(payload)));
  }

  private billInput(p: BillPayload, lineIds: readonly (string | undefined)[] = []): BillInput {
    return {
      vendorId: p.vendorId,
      dueDate: p.dueDate,
      invoice: { invoiceNumber: p.invoiceNumber, invoiceDate: p.invoiceDate },
      description: p.description,
      billLineItems: p.lines.map((l, i) => ({
        ...(lineIds[i] ? { id: lineIds[i] } : {}),
        amount: formatMoney(l.amount),
        description: l.description,
        classifications: { chartOfAccountId: l.chartOfAccountId, ...(l.departmentId ? { departmentId: l.departmentId } : {}) },
      })),
    };
  }

  async createBills(payloads: readonly BillPayload[]): Promise<string[]> {
    return (await this.client.createBillsBulk(payloads.map((p) => this.billInput(p)))).map((b) => b.id);
  }

  private summary(b: BillBill): BillSummary {
    return { id: b.id, vendorId: b.vendorId, invoiceNumber: b.invoice.invoiceNumber, amount: this.amount(b.amount, this.currencyOf(b.vendorId)), archived: b.archived };
  }

  async findBillsByVendors(vendorIds: readonly string[]): Promise<BillSummary[]> {
    if (vendorIds.length === 0) return [];
    await this.knowVendors(vendorIds);
    return (await this.client.listBillsByVendorIds(vendorIds)).map((b) => this.summary(b));
  }

  async updateBill(id: string, payload: BillPayload, current: TargetBillState | null): Promise<void> {
    // PUT replaces the lines: the ERP's lines are the truth (developer.bill.com/reference/replacebill).
    // Sent without their ids every line would be new and every id would change, so the bill's line
    // ids go with the lines they pair with (keptLineIds).
    const lines = current?.lines ?? (await this.getBillStates([id]))[0]?.lines ?? [];
    await this.client.replaceBill(id, this.billInput(payload, keptLineIds(payload.lines, lines)));
  }

  async archiveBill(id: string): Promise<void> {
    await this.client.archiveBill(id);
  }

  async getBillStates(ids: readonly string[]): Promise<TargetBillState[]> {
    const bills: BillBill[] = [];
    let next = 0;
    // BILL allows 3 requests in flight per organisation; the transport's limiter enforces it.
    await Promise.all(Array.from({ length: Math.min(3, ids.length) }, async () => {
      while (next < ids.length) bills.push(await this.client.getBill(ids[next++]!));
    }));
    await this.knowVendors(bills.map((b) => b.vendorId));
    return bills.map((b) => {
      const currency = this.currencyOf(b.vendorId);
      return {
        id: b.id,
        amount: this.amount(b.amount, currency),
        paidAmount: this.amount(b.paidAmount, currency),
        scheduledAmount: this.amount(b.scheduledAmount, currency),
        archived: b.archived,
        lines: b.billLineItems.flatMap((l) => (l.id ? [{
          id: l.id,
          amount: this.amount(l.amount, currency),
          description: l.description ?? '',
          accountId: l.classifications?.chartOfAccountId ?? null,
          departmentId: l.classifications?.departmentId ?? null,
        }] : [])),
      };
    });
  }

  async *iterateBills(): AsyncIterable<BillSummary[]> {
    // Amounts are in the vendor's bill currency, so the vendors of each page are read first when this hub has not seen them.
    for await (const page of prefetch(this.client.iterateBills())) {
      await this.knowVendors(page.records.map((b) => b.vendorId));
      yield page.records.map((b) => this.summary(b));
    }
  }

  /**
   * The payments' applications in canonical terms. An application whose amount cannot be held as
   * money in its vendor's bill currency (more decimals than the currency has, or a currency that is
   * not ISO 4217) is invalid on its own, and so is each application of a payment that did not
   * decode; the others are read. Invalid ones carry the label the engine records payments under,
   * "BILL <payment id> <application id>" (flows/bill-to-erp paymentReference), so they can be replayed.
   */
  private applications(payments: readonly BillPayment[], undecoded: readonly UndecodedItem[]): Read<BillPaymentApplication> {
    const out: Read<BillPaymentApplication> = { items: [], invalid: undecoded.flatMap(undecodedApplications) };
    for (const p of payments) {
      const statusText = p.singleStatus ?? p.status ?? 'UNDEFINED';
      const state = paymentState(p.singleStatus, p.status);
      const currency = this.currencyOf(p.vendorId);
      p.billPayments.forEach((bp, n) => {
        const id = bp.id ?? `${p.id}:${bp.billId}`;
        const bad = (code: InvalidRecord['code'], reason: string) => out.invalid.push({ id, label: `BILL ${p.id} ${id}`, code, reason });
        if (!isKnownCurrency(currency)) return bad('MLC_ERR_UNKNOWN_CURRENCY', `the vendor's bill currency '${currency}' is not an ISO 4217 code`);
        let amount: Money;
        try {
          amount = parseMoney(bp.amount, currency);
        } catch (e) {
          return bad('MLC_ERR_BAD_RESPONSE', `billPayments[${n}].amount: ${e instanceof Error ? e.message : String(e)}`);
        }
        out.items.push({ id, paymentId: p.id, billId: bp.billId, amount, date: p.processDate, state, statusText, updatedAt: p.updatedTime });
      });
    }
    return out;
  }

  async *iteratePaymentApplications(since: string | null, ahead?: ReadAhead<BillPaymentApplication>): AsyncIterable<Page<BillPaymentApplication>> {
    // The next page is asked for while this page's vendors are read (BILL pages by token, one after
    // another: the token is in the previous page's answer, A9), and the planner hears of the page
    // before its vendors' currencies are known, so what it reads for it overlaps both.
    for await (const page of prefetch(this.client.iteratePayments({ ...(since ? { updatedSince: since } : {}) }))) {
      ahead?.(page.records.flatMap(applicationsAhead), !page.nextPage || page.records.length + page.invalid.length === 0);
      await this.knowVendors(page.records.map((p) => p.vendorId));
      yield { ...this.applications(page.records, page.invalid), cursor: page.maxUpdatedTime ?? since };
    }
  }

  async getPaymentApplications(paymentIds: readonly string[]): Promise<Read<BillPaymentApplication>> {
    if (paymentIds.length === 0) return { items: [], invalid: [] };
    // One list call per 50 ids instead of one GET per payment; a payment BILL no longer returns is absent.
    const payments = await this.client.listPaymentsByIds(paymentIds);
    await this.knowVendors(payments.records.map((p) => p.vendorId));
    return this.applications(payments.records, payments.invalid);
  }
}

/** A payment's applications as known before its vendor's currency is: everything but the amount. */
function applicationsAhead(p: BillPayment): Partial<BillPaymentApplication>[] {
  const state = paymentState(p.singleStatus, p.status);
  const statusText = p.singleStatus ?? p.status ?? 'UNDEFINED';
  return p.billPayments.map((bp) => ({ id: bp.id ?? `${p.id}:${bp.billId}`, paymentId: p.id, billId: bp.billId, date: p.processDate, state, statusText, updatedAt: p.updatedTime }));
}

/**
 * A payment that did not decode, as one invalid entry per application whose id can be read (the
 * ids applications() would give), or one for the payment when none can.
 */
function undecodedApplications(item: UndecodedItem): InvalidRecord[] {
  const paymentId = textField(item, 'id');
  const raw = item.raw as { billPayments?: unknown };
  const lines = Array.isArray(raw?.billPayments) ? (raw.billPayments as unknown[]) : [];
  const ids = lines.flatMap((bp) => {
    if (bp === null || typeof bp !== 'object') return [];
    const { id, billId } = bp as { id?: unknown; billId?: unknown };
    if (typeof id === 'string' && id) return [id];
    return paymentId && typeof billId === 'string' && billId ? [`${paymentId}:${billId}`] : [];
  });
  const entry = (id: string | null): InvalidRecord => ({ id, label: paymentId ? `BILL ${paymentId} ${id ?? '?'}` : '', code: 'MLC_ERR_BAD_RESPONSE', reason: item.reason });
  return ids.length > 0 ? ids.map(entry) : [entry(null)];
}

function clean<T extends Record<string, string | null | undefined>>(o: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v)) as { [K in keyof T]?: string };
}

/** The older name of BillPort. */
