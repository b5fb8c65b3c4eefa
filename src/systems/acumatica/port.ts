import type { z } from 'zod';
import type { Bill, Department, GlAccount, Vendor } from '../../model/types.ts';
import type { PaymentPayload } from '../../model/payloads.ts';
import type { ChartPort, EntityReader, EntityWriter, InvalidRecord, MatchFound, Page, PaymentAccountRef, Read, SystemPort, WriteResult } from '../../engine/ports.ts';
import type { UndecodedItem } from '../../http/decode.ts';
import { textField, UnreadableRecord } from '../unreadable.ts';
import { instanceBase } from './auth.ts';
import type { AcumaticaClient, AcumaticaPage } from './client.ts';
import { byKeys, eq, modifiedAfter } from './filters.ts';
import { AcumaticaPayments, type AcumaticaPaymentTarget } from './payments.ts';
import { accountSchema, billSchema, subaccountSchema, vendorSchema, type AcumaticaBill, type AcumaticaCheck } from './schema.ts';
import { accountToModel, billKeys, billToModel, subaccountToModel, vendorToModel } from './to-model.ts';

/** The payment writer's options: where Acumatica takes the payments (the pair's link settings). */
export type AcumaticaPaymentOptions = PaymentAccountRef & AcumaticaPaymentTarget;

const vendorExpand = 'MainContact,MainContact/Address';
const billExpand = 'Details';

/**
 * Acumatica as the engine sees it: its GL accounts (and subaccounts as departments for mapping),
 * vendors and AP documents read in canonical terms, and AP payments written against bills. Every
 * document is read with its status: only released ones (Open) are eligible, and the pair records
 * why the others are skipped. The chart is never written.
 */
export class AcumaticaPort implements SystemPort {
  readonly system = 'acumatica' as const;
  readonly chart: ChartPort = { list: () => this.listAccounts() };
  readonly departments = { list: () => this.listSubaccounts() };
  readonly dimensionCategories = { list: async () => [{ name: 'Subaccount', options: (await this.listSubaccounts()).map((d) => d.id) }] };
  readonly read: { vendor: EntityReader<Vendor>; bill: EntityReader<Bill> } = {
    vendor: { iterate: (since) => this.iterateVendors(since), get: (ids) => this.getVendors(ids) },
    bill: { iterate: (since) => this.iterateBills(since), get: (ids) => this.getBills(ids) },
  };
  readonly write: { payment: EntityWriter<PaymentPayload, AcumaticaPaymentOptions> };
  readonly payments: AcumaticaPayments;

  /**
   * @param cursorOverlapMs a delta read's checkpoint sits this far before the newest change it saw:
   *   lists come in creation order, not modification order, so a record saved again while a long
   *   read was under way can carry an earlier time than the newest one read; the overlap reads it
   *   next time (records read twice are unchanged to the engine).
   */
  constructor(
    readonly client: AcumaticaClient,
    private readonly options: { cursorOverlapMs?: number } = {},
  ) {
    this.payments = new AcumaticaPayments(client);
    this.write = {
      payment: {
        // One PUT and one release per payment, one at a time: the licence queues whatever runs past its cap.
        caps: { batch: 10, inFlight: 1, atomic: false },
        create: (payloads, target) => this.postPayments(payloads, target),
        delete: (id) => this.payments.remove(id),
        findByMatchKey: (keys, since) => this.findPayments(keys, since),
      },
    };
  }

  /** The instance and tenant: a tenant's name repeats across customers' instances, so both name it. */
  get tenantId(): string {
    return `${instanceBase(this.client.site).replace(/^https?:\/\//, '')}/${this.client.site.tenant}`;
  }

  /**
   * Signs the cookie session out: a session holds one of the licence's API-user seats until it
   * times out otherwise. Call it when the run that opened the port is over.
   */
  close(): Promise<void> {
    return this.client.close();
  }

  async listAccounts(): Promise<GlAccount[]> {
    const out: GlAccount[] = [];
    for await (const page of this.client.list('Account', accountSchema)) out.push(...page.records.map(accountToModel));
    return out;
  }

  async listSubaccounts(): Promise<Department[]> {
    const out: Department[] = [];
    for await (const page of this.client.list('Subaccount', subaccountSchema)) out.push(...page.records.map(subaccountToModel));
    return out;
  }

  async *iterateVendors(since: string | null): AsyncIterable<Page<Vendor>> {
    yield* this.delta('Vendor', vendorSchema, since, vendorExpand, (v) => v.LastModifiedDateTime, (page) => toModels(page, vendorToModel, 'VendorID', 'VendorName'));
  }

  async getVendors(ids: readonly string[]): Promise<Read<Vendor>> {
    const page = await this.client.readAny('Vendor', vendorSchema, ids.map((id) => eq('VendorID', id)), { expand: vendorExpand });
    return toModels(page, vendorToModel, 'VendorID', 'VendorName');
  }

  async *iterateBills(since: string | null): AsyncIterable<Page<Bill>> {
    yield* this.delta('Bill', billSchema, since, billExpand, (b) => b.LastModifiedDateTime, toBills);
  }

  async getBills(ids: readonly string[]): Promise<Read<Bill>> {
    const { page, unnamed } = await this.readBills(ids, billExpand);
    const read = toBills(page);
    return { items: read.items, invalid: [...unnamed, ...read.invalid] };
  }

  /** Payments since a time (or all), with their applications, as reconcile reads them. */
  iteratePayments(since?: Date): AsyncIterable<AcumaticaCheck[]> {
    return this.payments.iterate(since);
  }

  async postPayments(payloads: readonly PaymentPayload[], target: AcumaticaPaymentOptions): Promise<WriteResult[]> {
    const { page } = await this.readBills(payloads.map((p) => p.erpBillId));
    const bills = new Map(page.records.map((b) => [`${b.Type}|${b.ReferenceNbr}`, b]));
    return this.payments.post(payloads, target, bills);
  }

  /**
   * Payments found by their reference after a lost answer. One saved but left unreleased (the
   * answer to its release was lost) is released now, so what is found is what was meant.
   */
  async findPayments(references: readonly string[], since: Date): Promise<MatchFound[]> {
    const found: MatchFound[] = [];
    for (const check of await this.payments.findByReference(references, since)) {
      // Only a Balanced document can be released; one a person put on hold stays as they left it.
      if (check.Status === 'Balanced') await this.payments.release(check);
      found.push({ key: check.Description ?? '', id: `${check.Type}|${check.ReferenceNbr}` });
    }
    return found;
  }

  private async readBills(ids: readonly string[], expand?: string): Promise<{ page: AcumaticaPage<AcumaticaBill>; unnamed: InvalidRecord[] }> {
    const keyed = ids.map((id) => ({ id, keys: billKeys(id) }));
    const unnamed = keyed.filter((k) => !k.keys).map((k): InvalidRecord => ({ id: k.id, label: k.id, code: 'MLC_ERR_NOT_FOUND', reason: `'${k.id}' names no Acumatica document (expected Type|ReferenceNbr)` }));
    const filters = keyed.filter((k) => k.keys).map((k) => byKeys({ Type: k.keys!.type, ReferenceNbr: k.keys!.referenceNbr }));
    const page = filters.length > 0 ? await this.client.readAny('Bill', billSchema, filters, { expand }) : { records: [], invalid: [] };
    return { page, unnamed };
  }

  /**
   * Records saved after `since`, page by page. Pages come in creation order, so only the last
   * page's checkpoint moves forward (to the newest change seen, less the overlap): a read stopped
   * mid-way starts again from `since`.
   */
  private async *delta<S extends z.ZodType, T>(
    entity: string,
    item: S,
    since: string | null,
    expand: string,
    stamp: (record: z.output<S>) => string | undefined,
    convert: (page: AcumaticaPage<z.output<S>>) => Read<T>,
  ): AsyncIterable<Page<T>> {
    const overlap = this.options.cursorOverlapMs ?? 120_000;
    let newest = since ? Date.parse(since) : Number.NEGATIVE_INFINITY;
    const top = this.client.pageSize;
    for (let skip = 0; ; skip += top) {
      const page = await this.client.listPage(entity, item, { filter: since ? modifiedAfter(since) : undefined, expand, top, skip });
      for (const r of page.records) newest = Math.max(newest, Date.parse(stamp(r) ?? '') || Number.NEGATIVE_INFINITY);
      const last = page.records.length + page.invalid.length < top;
      const floor = since ? Date.parse(since) : Number.NEGATIVE_INFINITY;
      const checkpoint = Math.max(floor, newest - overlap);
      const cursor = last && Number.isFinite(checkpoint) ? new Date(checkpoint).toISOString() : since;
      yield { ...convert(page), cursor };
      if (last) return;
    }
  }
}

/** An element that did not match its schema, named by whatever of its keys can be read. */
function undecoded(item: UndecodedItem, idKey: string, labelKey: string): InvalidRecord {
  const raw = item.raw as Record<string, unknown> | null;
  const pick = (k: string) => {
    const v = raw && typeof raw === 'object' ? (raw[k] as { value?: unknown } | undefined)?.value : undefined;
    return typeof v === 'string' && v.trim() ? v : textField(item, k);
  };
  const id = pick(idKey);
  return { id, label: pick(labelKey) ?? id ?? '', reason: item.reason, code: 'MLC_ERR_BAD_RESPONSE' };
}

function toModels<W, T>(page: AcumaticaPage<W>, convert: (w: W) => T, idKey: string, labelKey: string): Read<T> {
  return { items: page.records.map(convert), invalid: page.invalid.map((i) => undecoded(i, idKey, labelKey)) };
}

function toBills(page: AcumaticaPage<AcumaticaBill>): Read<Bill> {
  const items: Bill[] = [];
  const invalid = page.invalid.map((i) => {
    const r = undecoded(i, 'ReferenceNbr', 'VendorRef');
    const type = undecoded(i, 'Type', 'Type').id;
    return { ...r, id: r.id && type ? `${type}|${r.id}` : null };
  });
  for (const b of page.records) {
    try {
      items.push(billToModel(b));
    } catch (e) {
      if (!(e instanceof UnreadableRecord)) throw e;
      invalid.push({ id: `${b.Type}|${b.ReferenceNbr}`, label: b.VendorRef ?? b.ReferenceNbr, reason: e.message, code: e.code });
    }
  }
  return { items, invalid };
}

