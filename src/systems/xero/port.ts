import { createHash } from 'node:crypto';
import { formatMoney } from '../../core/money.ts';
import type { Bill, GlAccount, Vendor } from '../../model/types.ts';
import type { ChartPort, EntityReader, EntityWriter, InvalidRecord, Page, PaymentAccountRef, Read, SystemPort, WriteResult } from '../../engine/ports.ts';
import type { PaymentPayload } from '../../model/payloads.ts';
import type { UndecodedItem } from '../../http/decode.ts';
import { textField, UnreadableRecord } from '../unreadable.ts';
import type { XeroRead, XeroTenantClient } from './tenant-client.ts';
import { accountToModel, contactToModel, invoiceToModel } from './to-model.ts';
import type { XeroContact, XeroInvoice } from './schema.ts';
import { xeroSpec } from './spec.ts';

/** Xero ids are GUIDs (xero_accounting.yaml `format: uuid`); anything else is not worth a call. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Xero as the engine sees it: its chart, suppliers and ACCPAY bills read in canonical terms, and
 * payments written against bills. Xero's chart is never written by the connector, so `chart` has
 * no create.
 */
export class XeroPort implements SystemPort {
  readonly system = 'xero' as const;
  readonly chart: ChartPort = { list: () => this.listAccounts() };
  readonly read: { vendor: EntityReader<Vendor>; bill: EntityReader<Bill> } = {
    vendor: { iterate: (since) => this.iterateSuppliers(since), get: (ids) => this.getVendors(ids) },
    // IDs= takes 50 a call (getInvoicesByIds): a payments run groups the bills it asks for by that.
    bill: { iterate: (since) => this.iterateBills(since), get: (ids) => this.getBills(ids), perGet: xeroSpec.batchCaps.idsPerGet },
  };
  readonly write: { payment: EntityWriter<PaymentPayload, PaymentAccountRef> } = {
    payment: {
      // About 50 elements per request (xeroSpec.batchCaps.write) and 5 calls in flight per tenant
      // (developer.xero.com/documentation/oauth2/limits); each payment gets its own result
      // (summarizeErrors=false), so a batch is not all-or-nothing.
      caps: { batch: xeroSpec.batchCaps.write, inFlight: xeroSpec.limits.concurrency.budget, atomic: false },
      create: (payloads, account) => this.postPayments(payloads, account),
      delete: (id) => this.deletePayment(id),
      findByMatchKey: async (keys, since) => [...(await this.findPaymentsByReference(keys, since))].map(([key, id]) => ({ key, id })),
    },
  };
  readonly dimensionCategories = { list: () => this.listDimensionCategories() };

  constructor(private readonly client: XeroTenantClient) {}

  get tenantId(): string {
    return this.client.tenantId;
  }

  async listAccounts(): Promise<GlAccount[]> {
    return (await this.client.listAccounts()).map(accountToModel);
  }

  async *iterateSuppliers(since: string | null): AsyncIterable<Page<Vendor>> {
    // IsSupplier changes do not bump UpdatedDateUTC (Xero requests-and-responses docs), so suppliers
    // first seen on a bill are also pulled in by the bills step.
    for await (const page of this.client.iterateContacts({ ...(since ? { modifiedSince: since } : {}), where: 'IsSupplier==true', pageSize: xeroSpec.batchCaps.pageSize })) {
      yield { ...toVendors(page), cursor: page.maxUpdatedDateUTC ?? since, ...(page.pagination ? { total: page.pagination.itemCount } : {}) };
    }
  }

  async getVendors(ids: readonly string[]): Promise<Read<Vendor>> {
    const { wanted, invalid } = xeroIds(ids);
    const read = toVendors(await this.client.getContactsByIds(wanted));
    return { items: read.items, invalid: [...invalid, ...read.invalid] };
  }

  async *iterateBills(since: string | null): AsyncIterable<Page<Bill>> {
    for await (const page of this.client.iterateInvoices({ ...(since ? { modifiedSince: since } : {}), where: 'Type=="ACCPAY"', pageSize: xeroSpec.batchCaps.pageSize })) {
      yield { ...toBills(page), cursor: page.maxUpdatedDateUTC ?? since, ...(page.pagination ? { total: page.pagination.itemCount } : {}) };
    }
  }

  async getBills(ids: readonly string[]): Promise<Read<Bill>> {
    const { wanted, invalid } = xeroIds(ids);
    const read = toBills(await this.client.getInvoicesByIds(wanted));
    return { items: read.items, invalid: [...invalid, ...read.invalid] };
  }

  async postPayments(payments: readonly PaymentPayload[], account: PaymentAccountRef): Promise<WriteResult[]> {
    const out: WriteResult[] = [];
    for (let i = 0; i < payments.length; i += xeroSpec.batchCaps.write) {
      const chunk = payments.slice(i, i + xeroSpec.batchCaps.write);
      // Xero replays the first answer for a repeated Idempotency-Key for a few minutes; the engine's
      // search by reference still covers a retry after that window.
      const key = `mlc-pay-${createHash('sha256').update(chunk.map((p) => p.reference).join('\n')).digest('hex').slice(0, 40)}`;
      const results = await this.client.createPayments(
        chunk.map((p) => ({
          Invoice: { InvoiceID: p.erpBillId },
          Account: account.id ? { AccountID: account.id } : { Code: account.code! },
          Date: p.date,
          Amount: formatMoney(p.amount),
          Reference: p.reference,
        })),
        { summarizeErrors: false, idempotencyKey: key },
      );
      for (const r of results) out.push(r.ok ? { ok: true, targetId: r.record.PaymentID ?? '' } : { ok: false, error: r.error });
    }
    return out;
  }

  async findPaymentsByReference(references: readonly string[], postedAfter?: Date): Promise<Map<string, string>> {
    const found = await this.client.findPaymentsByReference(references, postedAfter ? { postedAfter } : {});
    return new Map(found.filter((p) => p.Status !== 'DELETED' && p.Reference && p.PaymentID).map((p) => [p.Reference!, p.PaymentID!]));
  }

  async deletePayment(id: string): Promise<void> {
    await this.client.deletePayment(id);
  }

  async listDimensionCategories(): Promise<{ name: string; options: string[] }[]> {
    return (await this.client.listTrackingCategories()).map((c) => ({ name: c.Name, options: (c.Options ?? []).map((o) => o.Name) }));
  }
}

/**
 * Ids that can be asked for, and the others as invalid: an id that is not a GUID stands for a
 * record that was read without its id, which Xero cannot be asked for again (its next change
 * brings it back through the delta read).
 */
function xeroIds(ids: readonly string[]): { wanted: string[]; invalid: InvalidRecord[] } {
  const invalid = ids.filter((id) => !GUID.test(id)).map((id): InvalidRecord => ({
    id, label: '', code: 'MLC_ERR_BAD_RESPONSE', reason: 'it was read without its Xero id, so it cannot be read again by id; it is read again when it next changes in Xero',
  }));
  return { wanted: ids.filter((id) => GUID.test(id)), invalid };
}

/** An element that did not match its schema, named by whatever of its id and label can be read. */
function undecoded(item: UndecodedItem, idKey: string, labelKey: string): InvalidRecord {
  const id = textField(item, idKey);
  return { id, label: textField(item, labelKey) ?? id ?? '', reason: item.reason, code: 'MLC_ERR_BAD_RESPONSE' };
}

function toBills(read: XeroRead<XeroInvoice>): Read<Bill> {
  const items: Bill[] = [];
  const invalid = read.invalid.map((i) => undecoded(i, 'InvoiceID', 'InvoiceNumber'));
  for (const r of read.records) {
    try {
      items.push(invoiceToModel(r));
    } catch (e) {
      if (!(e instanceof UnreadableRecord)) throw e;
      invalid.push({ id: r.InvoiceID, label: r.InvoiceNumber ?? r.InvoiceID, reason: e.message, code: e.code });
    }
  }
  return { items, invalid };
}

function toVendors(read: XeroRead<XeroContact>): Read<Vendor> {
  return { items: read.records.map(contactToModel), invalid: read.invalid.map((i) => undecoded(i, 'ContactID', 'Name')) };
}

/** The older name of XeroPort. */
