import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { mapLimit } from '../../core/concurrency.ts';
import { ConnectorError } from '../../core/errors.ts';
import { decodeItems, type UndecodedItem } from '../../http/decode.ts';
import { registerSecret } from '../../core/redact.ts';
import type { HttpMethod, Transport, TransportRequest } from '../../http/transport.ts';
import { chunks } from '../chunks.ts';
import type { BillSessionManager } from './auth.ts';
import { encodeFilters, updatedAfter, updatedSince, type BillFilter } from './filters.ts';
import {
  billSchema,
  chartOfAccountSchema,
  departmentSchema,
  listEnvelope,
  paymentSchema,
  recurringBillSchema,
  securityKeySchema,
  subscriptionSchema,
  vendorSchema,
  type BillBill,
  type BillChartOfAccount,
  type BillDepartment,
  type BillPayment,
  type BillRecurringBill,
  type BillSubscription,
  type BillVendor,
} from './schema.ts';
import { billSpec } from './spec.ts';
import {
  encodeBill,
  type BillChartOfAccountInput,
  type BillInput,
  type BillRecurringBillInput,
  type BillSubscriptionInput,
  type BillUpdate,
  type BillVendorInput,
  type BillVendorUpdate,
} from './write-shapes.ts';

/** One page of a BILL list, with the newest updatedTime on it (the checkpoint candidate). */
export interface BillPage<T> {
  records: T[];
  /**
   * Elements that did not match their schema, with the reason: filled only by the lists read one
   * record at a time (payments, and vendors and bills read as a source), so one bad record does not
   * make its page unreadable. The directory lists fail whole on a bad element, as a record missing
   * from them could be created twice.
   */
  invalid: UndecodedItem[];
  /** Token for the next page, to resume a stream mid-way; undefined on the last page. */
  nextPage: string | undefined;
  maxUpdatedTime: string | undefined;
}

export interface BillListOptions {
  updatedSince?: string | number | Date;
  /** Records changed strictly after this time (`updatedTime:gt`), for delta reads. */
  updatedAfter?: string;
  filters?: readonly BillFilter[];
  /** `field:asc|desc`; defaults to `updatedTime:asc` so pages can be checkpointed in order. */
  sort?: string;
  /** Page size, at most 100 (https://developer.bill.com/reference/listvendors). */
  max?: number;
  /** Resume from a page token saved earlier. */
  page?: string;
}

/** Records read by id, each checked on its own: those that decoded, and those that did not with the reason. */
export interface CheckedRecords<T> {
  records: T[];
  invalid: UndecodedItem[];
}

export interface BillCaps {
  bills: number;
  vendors: number;
  classifications: number;
}

/**
 * BILL v3 calls bound to one organisation. Every request carries the devKey and sessionId headers
 * (BillSessionManager) and counts against the organisation's concurrency cap.
 */
export class BillOrgClient {
  constructor(
    readonly organizationId: string,
    private readonly deps: { transport: Transport; session: BillSessionManager; api: string; events: string; caps: BillCaps },
  ) {}

  /** Bulk caps in force (from spec data, overridable), so callers can chunk. */
  get caps(): BillCaps {
    return { ...this.deps.caps };
  }

  private async call<S extends z.ZodType>(
    base: 'api' | 'events',
    method: HttpMethod,
    path: string,
    schema: S,
    operation: string,
    extra: Partial<Pick<TransportRequest, 'query' | 'json' | 'idempotent' | 'headers'>> = {},
  ): Promise<z.output<S>> {
    const actual = await this.deps.session.organizationId();
    if (actual !== this.organizationId) {
      throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'bill', message: `these BILL credentials belong to organisation ${actual}, not ${this.organizationId}` });
    }
    const res = await this.deps.transport.request(
      { method, url: `${this.deps[base]}${path}`, operation: `bill.${operation}`, tenant: this.organizationId, auth: this.deps.session, ...extra },
      schema,
    );
    return res.body;
  }

  private async *pages<S extends z.ZodType<{ updatedTime?: string | undefined }>>(
    base: 'api' | 'events',
    path: string,
    item: S,
    operation: string,
    options: BillListOptions,
    defaultSort: string | undefined,
    eachOnItsOwn = false,
  ): AsyncGenerator<BillPage<z.output<S>>> {
    const max = Math.min(options.max ?? billSpec.batchCaps.pageSize, billSpec.batchCaps.pageSize);
    const filters = encodeFilters([...updatedSince(options.updatedSince), ...updatedAfter(options.updatedAfter), ...(options.filters ?? [])]);
    const sort = options.sort ?? defaultSort;
    const schema = listEnvelope(eachOnItsOwn ? z.unknown() : item);
    let page = options.page;
    for (;;) {
      // The page token is tied to the same filters and sort, so they are sent on every page.
      const body = await this.call(base, 'GET', path, schema, operation, { query: { max, filters, sort, page } });
      const elements = body.results as unknown[];
      const { records, invalid } = eachOnItsOwn ? decodeItems(item, elements) : { records: elements as z.output<S>[], invalid: [] };
      const next = body.nextPage === '' ? undefined : body.nextPage;
      // The checkpoint comes from the records read; an unreadable one is recorded as failed with the page.
      yield { records, invalid, nextPage: next, maxUpdatedTime: maxUpdated(records) };
      if (!next || elements.length === 0) return;
      page = next;
    }
  }

  private async collect<T>(pages: AsyncGenerator<BillPage<T>>): Promise<T[]> {
    const out: T[] = [];
    for await (const p of pages) out.push(...p.records);
    return out;
  }

  private checkCap(operation: string, count: number, cap: number): void {
    if (count > cap) throw new ConnectorError({ code: 'MLC_ERR_BUG', system: 'bill', message: `bill.${operation}: ${count} items in one call; BILL takes at most ${cap}` });
  }

  iterateVendors(options: BillListOptions = {}): AsyncGenerator<BillPage<BillVendor>> {
    return this.pages('api', '/vendors', vendorSchema, 'iterateVendors', options, 'updatedTime:asc');
  }

  /** Vendors with the given ids (`id:in:"a,b"`, a filter BILL documents for vendors), ids chunked to keep URLs short. */
  async listVendorsByIds(vendorIds: readonly string[]): Promise<BillVendor[]> {
    // The chunks go out side by side (a page of 100 payments names up to 100 vendors): the
    // transport's limiter keeps them within BILL's 3 in flight per organisation.
    const read = await mapLimit(chunks(vendorIds, billSpec.batchCaps.idsPerFilter), billSpec.limits.concurrency.budget, (chunk) =>
      this.collect(this.pages('api', '/vendors', vendorSchema, 'listVendorsByIds', { filters: [{ field: 'id', op: 'in', value: chunk }] }, 'updatedTime:asc')));
    return read.flat();
  }

  /** Vendors page by page, each checked on its own (`invalid`): BILL as the source of vendors. */
  readVendors(options: BillListOptions = {}): AsyncGenerator<BillPage<BillVendor>> {
    return this.pages('api', '/vendors', vendorSchema, 'readVendors', options, 'updatedTime:asc', true);
  }

  /** Vendors by id, 50 to an `id:in` filter (documented for vendors, [BD:filterable-fields]), each checked on its own. */
  async readVendorsByIds(vendorIds: readonly string[], filters: readonly BillFilter[] = []): Promise<CheckedRecords<BillVendor>> {
    return this.byIds('/vendors', vendorSchema, 'readVendorsByIds', vendorIds, filters);
  }

  async getVendor(vendorId: string): Promise<BillVendor> {
    return this.call('api', 'GET', `/vendors/${encodeURIComponent(vendorId)}`, vendorSchema, 'getVendor');
  }

  async createVendor(vendor: BillVendorInput): Promise<BillVendor> {
    return this.call('api', 'POST', '/vendors', vendorSchema, 'createVendor', { json: encodeBill(vendor) });
  }

  /** POST /v3/vendors/bulk, at most 20 per call, all or nothing; answers `{vendors: [...]}` (v3 collection). */
  async createVendorsBulk(vendors: readonly BillVendorInput[]): Promise<BillVendor[]> {
    if (vendors.length === 0) return [];
    this.checkCap('createVendorsBulk', vendors.length, this.deps.caps.vendors);
    const body = await this.call('api', 'POST', '/vendors/bulk', z.object({ vendors: z.array(vendorSchema) }), 'createVendorsBulk', { json: encodeBill(vendors) });
    return body.vendors;
  }

  /** PATCH /v3/vendors/{id}: changes only the given fields (bank details have their own endpoint). */
  async updateVendor(vendorId: string, changes: BillVendorUpdate): Promise<BillVendor> {
    // Setting the same fields twice gives the same record: safe to repeat.
    return this.call('api', 'PATCH', `/vendors/${encodeURIComponent(vendorId)}`, vendorSchema, 'updateVendor', { json: encodeBill(changes), idempotent: true });
  }

  /** Archiving an archived vendor is a no-op (A3), so this is safe to repeat. */
  async archiveVendor(vendorId: string): Promise<BillVendor> {
    return this.call('api', 'POST', `/vendors/${encodeURIComponent(vendorId)}/archive`, vendorSchema, 'archiveVendor', { idempotent: true });
  }

  iterateBills(options: BillListOptions = {}): AsyncGenerator<BillPage<BillBill>> {
    return this.pages('api', '/bills', billSchema, 'iterateBills', options, 'updatedTime:asc');
  }

  /** Bills of the given vendors (`vendorId:in:"a,b"`), ids chunked to keep URLs short. */
  async listBillsByVendorIds(vendorIds: readonly string[], options: Omit<BillListOptions, 'page'> = {}): Promise<BillBill[]> {
    const out: BillBill[] = [];
    for (const chunk of chunks(vendorIds, billSpec.batchCaps.idsPerFilter)) {
      const filters: BillFilter[] = [...(options.filters ?? []), { field: 'vendorId', op: 'in', value: chunk }];
      out.push(...(await this.collect(this.pages('api', '/bills', billSchema, 'listBillsByVendorIds', { ...options, filters }, 'updatedTime:asc'))));
    }
    return out;
  }

  /** Bills page by page, each checked on its own (`invalid`): BILL as the source of bills. */
  readBills(options: BillListOptions = {}): AsyncGenerator<BillPage<BillBill>> {
    return this.pages('api', '/bills', billSchema, 'readBills', options, 'updatedTime:asc', true);
  }

  /** Bills by id, 50 to an `id:in` filter (documented for bills, [BD:filterable-fields]), each checked on its own. */
  async readBillsByIds(billIds: readonly string[], filters: readonly BillFilter[] = []): Promise<CheckedRecords<BillBill>> {
    return this.byIds('/bills', billSchema, 'readBillsByIds', billIds, filters);
  }

  async getBill(billId: string): Promise<BillBill> {
    return this.call('api', 'GET', `/bills/${encodeURIComponent(billId)}`, billSchema, 'getBill');
  }

  async createBill(bill: BillInput): Promise<BillBill> {
    return this.call('api', 'POST', '/bills', billSchema, 'createBill', { json: encodeBill(bill) });
  }

  /**
   * POST /v3/bills/bulk: a bare array in and out, all or nothing (https://developer.bill.com/reference/createbulkbills).
   * The cap comes from spec data (200) and can be lowered per client for orgs still on 100.
   */
  async createBillsBulk(bills: readonly BillInput[]): Promise<BillBill[]> {
    if (bills.length === 0) return [];
    this.checkCap('createBillsBulk', bills.length, this.deps.caps.bills);
    const created = await this.call('api', 'POST', '/bills/bulk', z.array(billSchema), 'createBillsBulk', { json: encodeBill(bills) });
    if (created.length !== bills.length) {
      throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'bill', message: `BILL bills/bulk: sent ${bills.length} bills, got ${created.length} back` });
    }
    return created;
  }

  /** PUT /v3/bills/{id}: full replacement; lines whose `id` is omitted are removed. */
  async replaceBill(billId: string, bill: BillInput): Promise<BillBill> {
    return this.call('api', 'PUT', `/bills/${encodeURIComponent(billId)}`, billSchema, 'replaceBill', { json: encodeBill(bill), idempotent: true });
  }

  /** PATCH /v3/bills/{id}: partial update; line ids are kept. */
  async patchBill(billId: string, changes: BillUpdate): Promise<BillBill> {
    return this.call('api', 'PATCH', `/bills/${encodeURIComponent(billId)}`, billSchema, 'patchBill', { json: encodeBill(changes), idempotent: true });
  }

  /** Archiving an archived bill is a no-op, so this is safe to repeat. */
  async archiveBill(billId: string): Promise<BillBill> {
    return this.call('api', 'POST', `/bills/${encodeURIComponent(billId)}/archive`, billSchema, 'archiveBill', { idempotent: true });
  }

  /** Recurring bill templates page by page (`GET /v3/recurringbills`, [BPM]), each checked on its own. */
  readRecurringBills(options: BillListOptions = {}): AsyncGenerator<BillPage<BillRecurringBill>> {
    return this.pages('api', '/recurringbills', recurringBillSchema, 'readRecurringBills', options, 'createdTime:asc', true);
  }

  async createRecurringBill(input: BillRecurringBillInput): Promise<BillRecurringBill> {
    return this.call('api', 'POST', '/recurringbills', recurringBillSchema, 'createRecurringBill', { json: encodeBill(input) });
  }

  async getRecurringBill(recurringBillId: string): Promise<BillRecurringBill> {
    return this.call('api', 'GET', `/recurringbills/${encodeURIComponent(recurringBillId)}`, recurringBillSchema, 'getRecurringBill');
  }

  /** Payments page by page, each checked on its own (`invalid`). */
  iteratePayments(options: BillListOptions = {}): AsyncGenerator<BillPage<BillPayment>> {
    return this.pages('api', '/payments', paymentSchema, 'iteratePayments', options, 'updatedTime:asc', true);
  }

  /**
   * Payments by id, 50 to an `id:in` filter. BILL does not publish the payment filter list (A9);
   * `id` with `in` is what it documents for vendors and bills, and what the emulator offers.
   */
  async listPaymentsByIds(paymentIds: readonly string[]): Promise<CheckedRecords<BillPayment>> {
    // Each payment is checked on its own, as in iteratePayments.
    return this.byIds('/payments', paymentSchema, 'listPaymentsByIds', paymentIds);
  }

  /** Records by id through `id:in` list filters of 50 ids, one chunk after another, each record checked on its own. */
  private async byIds<S extends z.ZodType<{ updatedTime?: string | undefined }>>(
    path: string,
    item: S,
    operation: string,
    ids: readonly string[],
    filters: readonly BillFilter[] = [],
  ): Promise<CheckedRecords<z.output<S>>> {
    const out: CheckedRecords<z.output<S>> = { records: [], invalid: [] };
    for (const chunk of chunks([...new Set(ids)], billSpec.batchCaps.idsPerFilter)) {
      for await (const page of this.pages('api', path, item, operation, { filters: [{ field: 'id', op: 'in', value: chunk }, ...filters] }, 'updatedTime:asc', true)) {
        out.records.push(...page.records);
        out.invalid.push(...page.invalid);
      }
    }
    return out;
  }

  async getPayment(paymentId: string): Promise<BillPayment> {
    return this.call('api', 'GET', `/payments/${encodeURIComponent(paymentId)}`, paymentSchema, 'getPayment');
  }

  async listChartOfAccounts(options: Omit<BillListOptions, 'page'> = {}): Promise<BillChartOfAccount[]> {
    return this.collect(this.pages('api', '/classifications/chart-of-accounts', chartOfAccountSchema, 'listChartOfAccounts', options, undefined));
  }

  /** POST /v3/classifications/chart-of-accounts/bulk, at most 50 per call; answers `{chartOfAccounts: [...]}` (v3 collection). */
  async createChartOfAccountsBulk(accounts: readonly BillChartOfAccountInput[]): Promise<BillChartOfAccount[]> {
    if (accounts.length === 0) return [];
    this.checkCap('createChartOfAccountsBulk', accounts.length, this.deps.caps.classifications);
    const body = await this.call('api', 'POST', '/classifications/chart-of-accounts/bulk', z.object({ chartOfAccounts: z.array(chartOfAccountSchema) }), 'createChartOfAccountsBulk', {
      json: encodeBill(accounts),
    });
    return body.chartOfAccounts;
  }

  async listDepartments(options: Omit<BillListOptions, 'page'> = {}): Promise<BillDepartment[]> {
    return this.collect(this.pages('api', '/classifications/departments', departmentSchema, 'listDepartments', options, undefined));
  }

  /** POST /v3/classifications/departments/bulk, at most 50 per call; answers `{departments: [...]}` (v3 collection). */
  async createDepartmentsBulk(departments: readonly { name: string; shortName?: string }[]): Promise<BillDepartment[]> {
    if (departments.length === 0) return [];
    this.checkCap('createDepartmentsBulk', departments.length, this.deps.caps.classifications);
    const body = await this.call('api', 'POST', '/classifications/departments/bulk', z.object({ departments: z.array(departmentSchema) }), 'createDepartmentsBulk', {
      json: encodeBill(departments),
    });
    return body.departments;
  }

  /**
   * POST /v3/subscriptions on the events base. BILL requires a fresh UUID4 `X-Idempotent-Key` per
   * new request and replays the cached answer for a repeated key, so the transport may retry with
   * the same key (https://developer.bill.com/docs/bill-webhook-api-general-rules). The answer holds
   * the security key, shown this once. Pass `idempotencyKey` (a UUID4 the caller stored first) so
   * that a retry after a crash or a lost answer replays the first create instead of adding a second.
   */
  async createSubscription(input: BillSubscriptionInput, options: { idempotencyKey?: string } = {}): Promise<BillSubscription> {
    const body = { name: input.name, notificationUrl: input.notificationUrl, events: input.events.map((e) => ({ ...e })), status: { enabled: input.enabled ?? true } };
    const key = options.idempotencyKey ?? randomUUID();
    const created = await this.call('events', 'POST', '/subscriptions', subscriptionSchema, 'createSubscription', { json: body, headers: { 'x-idempotent-key': key }, idempotent: true });
    registerSecret(created.securityKey);
    return created;
  }

  async listSubscriptions(): Promise<BillSubscription[]> {
    return this.collect(this.pages('events', '/subscriptions', subscriptionSchema, 'listSubscriptions', {}, undefined));
  }

  async getSubscription(subscriptionId: string): Promise<BillSubscription> {
    return this.call('events', 'GET', `/subscriptions/${encodeURIComponent(subscriptionId)}`, subscriptionSchema, 'getSubscription');
  }

  /** PATCH /v3/subscriptions/{id}; `{enabled: true}` re-enables one BILL switched off after failed deliveries. */
  async updateSubscription(subscriptionId: string, changes: Partial<BillSubscriptionInput>): Promise<BillSubscription> {
    const body: Record<string, unknown> = {};
    if (changes.name !== undefined) body.name = changes.name;
    if (changes.notificationUrl !== undefined) body.notificationUrl = changes.notificationUrl;
    if (changes.events !== undefined) body.events = changes.events.map((e) => ({ ...e }));
    if (changes.enabled !== undefined) body.status = { enabled: changes.enabled };
    return this.call('events', 'PATCH', `/subscriptions/${encodeURIComponent(subscriptionId)}`, subscriptionSchema, 'updateSubscription', { json: body, idempotent: true });
  }

  /** POST /v3/subscriptions/{id}/security_key: a new signing key (old signatures stop verifying). */
  async rotateSecurityKey(subscriptionId: string, options: { idempotencyKey?: string } = {}): Promise<string> {
    const body = await this.call('events', 'POST', `/subscriptions/${encodeURIComponent(subscriptionId)}/security_key`, securityKeySchema, 'rotateSecurityKey', {
      headers: { 'x-idempotent-key': options.idempotencyKey ?? randomUUID() },
      idempotent: true,
    });
    registerSecret(body.securityKey);
    return body.securityKey;
  }
}

function maxUpdated(records: readonly { updatedTime?: string | undefined }[]): string | undefined {
  let max: string | undefined;
  let maxMs = -Infinity;
  for (const r of records) {
    if (!r.updatedTime) continue;
    const ms = Date.parse(r.updatedTime);
    if (ms > maxMs) {
      maxMs = ms;
      max = r.updatedTime;
    }
  }
  return max;
}
