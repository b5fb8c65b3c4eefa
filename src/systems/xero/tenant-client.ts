import { z } from 'zod';
import { ConnectorError } from '../../core/errors.ts';
import { decodeItems, type UndecodedItem } from '../../http/decode.ts';
import type { Authorizer, HttpMethod, Transport, TransportRequest } from '../../http/transport.ts';
import {
  accountSchema,
  contactSchema,
  envelope,
  invoiceSchema,
  organisationSchema,
  paymentSchema,
  trackingCategorySchema,
  type XeroAccount,
  type XeroContact,
  type XeroInvoice,
  type XeroOrganisation,
  type XeroPagination,
  type XeroPayment,
  type XeroTrackingCategory,
} from './schema.ts';
import { chunks } from '../chunks.ts';
import { mapLimit } from '../../core/concurrency.ts';

/** References per `where` filter: ten OR-ed equalities keep the query string well inside URL limits. */
const referencesPerWhere = 10;
/** Our clock and Xero's may differ: a payment window opens this much earlier than our own record of the post. */
const clockSkewAllowanceMs = 15 * 60_000;
import { xeroSpec } from './spec.ts';
import { toItemResults, type XeroItemResult } from './batch-results.ts';
import { whereAnyEquals } from './where.ts';
import { ifModifiedSinceValue } from './wire-dates.ts';
import {
  encodeXero,
  type XeroAccountInput,
  type XeroContactInput,
  type XeroInvoiceInput,
  type XeroInvoiceUpdate,
  type XeroPaymentInput,
} from './write-shapes.ts';

/**
 * Records read by a list call, each checked on its own: `invalid` holds the elements that did not
 * match their schema (with the reason), so one bad record does not make the others unreadable.
 */
export interface XeroRead<T> {
  records: T[];
  invalid: UndecodedItem[];
}

/** One page of a paged read, with the newest UpdatedDateUTC on it (the checkpoint candidate). */
export interface XeroPage<T> extends XeroRead<T> {
  page: number;
  maxUpdatedDateUTC: string | undefined;
  pagination: XeroPagination | undefined;
}

export type { XeroItemResult } from './batch-results.ts';

export interface WriteOptions {
  /**
   * Xero `Idempotency-Key` (≤128 chars): Xero replays the first answer for a repeated key, which
   * makes the write safe to retry after a lost answer (xero_accounting.yaml `idempotencyKey`).
   */
  idempotencyKey?: string;
}

export interface ListOptions {
  modifiedSince?: string | number | Date;
  where?: string;
  order?: string;
  pageSize?: number;
  /** Resume a stream from this page (1-based). */
  startPage?: number;
  includeArchived?: boolean;
}

/**
 * Xero Accounting calls bound to one tenant (organisation). Every request carries
 * `Xero-tenant-id` and `Accept: application/json`; query and body objects are built fresh per
 * request, never by editing the caller's input (the tenant header must survive every page).
 */
export class XeroTenantClient {
  constructor(
    readonly tenantId: string,
    private readonly deps: { transport: Transport; auth: Authorizer; api: string },
  ) {}

  private async call<S extends z.ZodType>(
    method: HttpMethod,
    path: string,
    schema: S,
    operation: string,
    extra: Partial<Pick<TransportRequest, 'query' | 'json' | 'idempotent'>> & { headers?: Record<string, string> } = {},
  ): Promise<z.output<S>> {
    const res = await this.deps.transport.request(
      {
        method,
        url: `${this.deps.api}${path}`,
        operation: `xero.${operation}`,
        tenant: this.tenantId,
        auth: this.deps.auth,
        ...extra,
        headers: { 'xero-tenant-id': this.tenantId, ...extra.headers },
      },
      schema,
    );
    return res.body;
  }

  private writeExtras(options: WriteOptions | undefined): { headers: Record<string, string>; idempotent?: boolean } {
    if (!options?.idempotencyKey) return { headers: {} };
    return { headers: { 'idempotency-key': options.idempotencyKey }, idempotent: true };
  }

  async getOrganisation(): Promise<XeroOrganisation> {
    const body = await this.call('GET', '/Organisation', envelope('Organisations', organisationSchema), 'getOrganisation');
    const org = body.Organisations[0];
    if (!org) throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'xero', message: 'Xero GET /Organisation: Organisations is empty' });
    return org;
  }

  async listAccounts(options: { where?: string } = {}): Promise<XeroAccount[]> {
    const body = await this.call('GET', '/Accounts', envelope('Accounts', accountSchema), 'listAccounts', { query: { where: options.where } });
    return body.Accounts;
  }

  /** PUT /Accounts takes one account per call (xero_accounting.yaml createAccount), so this sends them in order. */
  async createAccounts(accounts: readonly XeroAccountInput[], options?: WriteOptions): Promise<XeroAccount[]> {
    const out: XeroAccount[] = [];
    for (const [i, account] of accounts.entries()) {
      const key = options?.idempotencyKey ? { idempotencyKey: `${options.idempotencyKey}:${i}` } : undefined;
      const body = await this.call('PUT', '/Accounts', envelope('Accounts', accountSchema), 'createAccounts', { json: encodeXero(account), ...this.writeExtras(key) });
      const created = body.Accounts[0];
      if (!created) throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'xero', message: 'Xero PUT /Accounts: Accounts is empty' });
      out.push(created);
    }
    return out;
  }

  private async *pages<S extends z.ZodType<{ UpdatedDateUTC?: string | undefined }>>(
    path: string,
    key: string,
    item: S,
    operation: string,
    options: ListOptions,
    defaults: { where?: string; order?: string; pageSize: number },
  ): AsyncGenerator<XeroPage<z.output<S>>> {
    const pageSize = Math.min(options.pageSize ?? defaults.pageSize, xeroSpec.batchCaps.pageSize);
    const headers: Record<string, string> = options.modifiedSince !== undefined ? { 'if-modified-since': ifModifiedSinceValue(options.modifiedSince) } : {};
    // Only the envelope must be readable for the page to be; its elements are checked one by one.
    const schema = envelope(key, z.unknown());
    for (let page = options.startPage ?? 1; ; page += 1) {
      const query = {
        page,
        pageSize,
        where: options.where ?? defaults.where,
        order: options.order ?? defaults.order,
        includeArchived: options.includeArchived,
      };
      const body = (await this.call('GET', path, schema, operation, { query, headers })) as Record<string, unknown> & { pagination: XeroPagination | undefined };
      const elements = body[key] as unknown[];
      const { records, invalid } = decodeItems(item, elements);
      // The checkpoint comes from the records read; an unreadable one is recorded as failed with the page.
      yield { records, invalid, page, maxUpdatedDateUTC: maxUpdated(records), pagination: body.pagination };
      const lastByCount = body.pagination ? page >= body.pagination.pageCount : false;
      // The documented end of a paged list is a page shorter than pageSize (https://developer.xero.com/faq/limits/retrieving-data).
      if (elements.length < pageSize || lastByCount) return;
    }
  }

  /** Contacts page by page, oldest change first, for delta sync with If-Modified-Since. */
  iterateContacts(options: ListOptions = {}): AsyncGenerator<XeroPage<XeroContact>> {
    return this.pages('/Contacts', 'Contacts', contactSchema, 'iterateContacts', options, { order: 'UpdatedDateUTC ASC', pageSize: 100 });
  }

  /** Contacts by id, ≤50 ids per call to stay under URL limits (XeroAPI/Xero-Java#331); each checked on its own. */
  async getContactsByIds(ids: readonly string[]): Promise<XeroRead<XeroContact>> {
    const pages = await mapLimit(chunks(ids, xeroSpec.batchCaps.idsPerGet), xeroSpec.limits.concurrency.budget, async (chunk) =>
      (await this.call('GET', '/Contacts', envelope('Contacts', z.unknown()), 'getContactsByIds', { query: { IDs: chunk.join(','), includeArchived: true } })).Contacts);
    return decodeItems(contactSchema, pages.flat());
  }

  async createContacts(contacts: readonly XeroContactInput[], options?: WriteOptions): Promise<XeroItemResult<XeroContact>[]> {
    return this.batchWrite('PUT', '/Contacts', 'Contacts', contactSchema, 'createContacts', contacts, options);
  }

  /** ACCPAY bills by default, oldest change first, 1000 per page. */
  iterateInvoices(options: ListOptions = {}): AsyncGenerator<XeroPage<XeroInvoice>> {
    return this.pages('/Invoices', 'Invoices', invoiceSchema, 'iterateInvoices', options, { where: 'Type=="ACCPAY"', order: 'UpdatedDateUTC ASC', pageSize: 1000 });
  }

  /**
   * Invoices by id, with their line items: Xero lists invoices without LineItems unless the request
   * is paged ("Up to 100 invoices will be returned in a single API call with line items",
   * xero_accounting.yaml getInvoices `page`), so each chunk of ≤50 ids is asked for as page 1.
   */
  async getInvoicesByIds(ids: readonly string[]): Promise<XeroRead<XeroInvoice>> {
    // The chunks go out side by side; the transport's limiter keeps them within Xero's per-tenant limits.
    const pages = await mapLimit(chunks(ids, xeroSpec.batchCaps.idsPerGet), xeroSpec.limits.concurrency.budget, async (chunk) =>
      (await this.call('GET', '/Invoices', envelope('Invoices', z.unknown()), 'getInvoicesByIds', { query: { IDs: chunk.join(','), page: 1 } })).Invoices);
    return decodeItems(invoiceSchema, pages.flat());
  }

  async createInvoices(invoices: readonly XeroInvoiceInput[], options?: WriteOptions): Promise<XeroItemResult<XeroInvoice>[]> {
    return this.batchWrite('PUT', '/Invoices', 'Invoices', invoiceSchema, 'createInvoices', invoices, options);
  }

  async updateInvoice(invoiceId: string, changes: XeroInvoiceUpdate, options?: WriteOptions): Promise<XeroInvoice> {
    const body = await this.call('POST', `/Invoices/${encodeURIComponent(invoiceId)}`, envelope('Invoices', invoiceSchema), 'updateInvoice', {
      json: { Invoices: [encodeXero({ ...changes, InvoiceID: invoiceId })] },
      ...this.writeExtras(options),
    });
    const invoice = body.Invoices[0];
    if (!invoice) throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'xero', message: 'Xero POST /Invoices/{id}: Invoices is empty' });
    return invoice;
  }

  /**
   * PUT /Payments with summarizeErrors=false: Xero answers 200 with each element marked as applied
   * or failed (https://developer.xero.com/documentation/api/http-response-codes), so one bad
   * payment does not block the others.
   */
  async createPayments(payments: readonly XeroPaymentInput[], options: WriteOptions & { summarizeErrors?: boolean } = {}): Promise<XeroItemResult<XeroPayment>[]> {
    return this.batchWrite('PUT', '/Payments', 'Payments', paymentSchema, 'createPayments', payments, options);
  }

  /**
   * Payments whose Reference is one of `refs` (how the engine finds a payment after a lost answer).
   * A `where` on Reference takes ten references a call; when more are wanted and the caller knows
   * when they could first have been posted, one read of the payments changed since then (1,000 a
   * page, If-Modified-Since as XS getPayments documents) finds them all in fewer calls.
   */
  async findPaymentsByReference(refs: readonly string[], options: { postedAfter?: Date } = {}): Promise<XeroPayment[]> {
    const out: XeroPayment[] = [];
    if (options.postedAfter && refs.length > referencesPerWhere) {
      const wanted = new Set(refs);
      const since = new Date(options.postedAfter.getTime() - clockSkewAllowanceMs);
      for await (const page of this.pages('/Payments', 'Payments', paymentSchema, 'findPaymentsByReference', { modifiedSince: since }, { order: 'UpdatedDateUTC ASC', pageSize: xeroSpec.batchCaps.pageSize })) {
        out.push(...allRead(page, 'Payments', 'findPaymentsByReference').filter((p) => p.Reference !== undefined && wanted.has(p.Reference)));
      }
      return out;
    }
    for (const chunk of chunks(refs, referencesPerWhere)) {
      for await (const page of this.pages('/Payments', 'Payments', paymentSchema, 'findPaymentsByReference', { where: whereAnyEquals('Reference', chunk) }, { pageSize: 100 })) {
        out.push(...allRead(page, 'Payments', 'findPaymentsByReference'));
      }
    }
    return out;
  }

  async getPayment(paymentId: string): Promise<XeroPayment> {
    const body = await this.call('GET', `/Payments/${encodeURIComponent(paymentId)}`, envelope('Payments', paymentSchema), 'getPayment');
    const payment = body.Payments[0];
    if (!payment) throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'xero', message: 'Xero GET /Payments/{id}: Payments is empty' });
    return payment;
  }

  /**
   * Payments cannot be edited, only deleted: POST /Payments/{id} {"Status":"DELETED"} (xero_accounting.yaml
   * deletePayment). Deleting a payment that is already deleted is done, not an error: Xero refuses
   * the second delete with a validation error ("This payment has already been deleted." in the
   * emulator; the wording is not documented), so on a refusal the payment is read, and a DELETED
   * one is the answer. That is how a delete whose first answer was lost settles.
   */
  async deletePayment(paymentId: string): Promise<XeroPayment> {
    let body;
    try {
      body = await this.call('POST', `/Payments/${encodeURIComponent(paymentId)}`, envelope('Payments', paymentSchema), 'deletePayment', {
        json: { Status: 'DELETED' },
        // Deleting twice leaves the same state: safe to repeat.
        idempotent: true,
      });
    } catch (e) {
      if (!(e instanceof ConnectorError) || e.code !== 'MLC_ERR_VALIDATION') throw e;
      const current = await this.getPayment(paymentId);
      if (current.Status === 'DELETED') return current;
      throw e;
    }
    const payment = body.Payments[0];
    if (!payment) throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'xero', message: 'Xero POST /Payments/{id}: Payments is empty' });
    return payment;
  }

  async listTrackingCategories(options: { includeArchived?: boolean } = {}): Promise<XeroTrackingCategory[]> {
    const body = await this.call('GET', '/TrackingCategories', envelope('TrackingCategories', trackingCategorySchema), 'listTrackingCategories', {
      query: { includeArchived: options.includeArchived },
    });
    return body.TrackingCategories;
  }

  private async batchWrite<S extends z.ZodType>(
    method: HttpMethod,
    path: string,
    key: string,
    item: S,
    operation: string,
    inputs: readonly unknown[],
    options: (WriteOptions & { summarizeErrors?: boolean }) | undefined,
  ): Promise<XeroItemResult<z.output<S>>[]> {
    if (inputs.length === 0) return [];
    if (inputs.length > xeroSpec.batchCaps.write) {
      throw new ConnectorError({ code: 'MLC_ERR_BUG', system: 'xero', message: `xero.${operation}: ${inputs.length} elements in one call; send at most ${xeroSpec.batchCaps.write}` });
    }
    const summarizeErrors = options?.summarizeErrors ?? false;
    const body = await this.call(method, path, z.object({ [key]: z.array(z.unknown()) }), operation, {
      query: { summarizeErrors },
      json: { [key]: inputs.map((i) => encodeXero(i)) },
      ...this.writeExtras(options),
    });
    const elements = body[key] as unknown[];
    if (elements.length !== inputs.length) {
      throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'xero', message: `Xero ${method} ${path}: sent ${inputs.length} elements, got ${elements.length} back` });
    }
    return toItemResults(elements, item, `${method} ${path}`, operation);
  }
}

/**
 * The records of a read that must be whole: a payment this search cannot read might be the one
 * it looks for, and missing it would post that payment twice, so one unreadable element fails it.
 */
function allRead<T>(read: XeroRead<T>, key: string, operation: string): T[] {
  if (read.invalid.length === 0) return read.records;
  const issues = read.invalid.slice(0, 5).map((i) => `${key}[${i.index}]: ${i.reason}`);
  throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'xero', message: `xero xero.${operation}: unexpected answer shape: ${issues.join('; ')}` });
}

function maxUpdated(records: readonly { UpdatedDateUTC?: string | undefined }[]): string | undefined {
  let max: string | undefined;
  for (const r of records) if (r.UpdatedDateUTC && (max === undefined || r.UpdatedDateUTC > max)) max = r.UpdatedDateUTC;
  return max;
}
