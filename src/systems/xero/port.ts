import { createHash } from 'node:crypto';
import { formatMoney } from '../../core/money.ts';
import type { Bill, GlAccount, Vendor } from '../../model/types.ts';
import type { ErpBillSource, Page, PaymentAccountRef, WriteResult } from '../../engine/ports.ts';
import type { ErpPaymentPayload } from '../../flows/bill-to-xero/map-payment.ts';
import type { XeroTenantClient } from './tenant-client.ts';
import { accountToModel, contactToModel, invoiceToModel, UnreadableRecord } from './to-model.ts';
import type { XeroInvoice } from './schema.ts';
import { xeroSpec } from './spec.ts';

/** Xero as the engine's bill source: reads in canonical terms, posts payments back. */
export class XeroBillSource implements ErpBillSource {
  readonly system = 'xero' as const;

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
      yield { items: page.records.map(contactToModel), cursor: page.maxUpdatedDateUTC ?? since };
    }
  }

  async getVendors(ids: readonly string[]): Promise<Vendor[]> {
    return (await this.client.getContactsByIds(ids)).map(contactToModel);
  }

  async *iterateBills(since: string | null): AsyncIterable<Page<Bill>> {
    for await (const page of this.client.iterateInvoices({ ...(since ? { modifiedSince: since } : {}), where: 'Type=="ACCPAY"', pageSize: xeroSpec.batchCaps.pageSize })) {
      yield { ...toBills(page.records), cursor: page.maxUpdatedDateUTC ?? since };
    }
  }

  async getBills(ids: readonly string[]): Promise<Bill[]> {
    return toBills(await this.client.getInvoicesByIds(ids)).items;
  }

  async postPayments(payments: readonly ErpPaymentPayload[], account: PaymentAccountRef): Promise<WriteResult[]> {
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

function toBills(records: readonly XeroInvoice[]): { items: Bill[]; invalid: { id: string; label: string; reason: string }[] } {
  const items: Bill[] = [];
  const invalid: { id: string; label: string; reason: string }[] = [];
  for (const r of records) {
    try {
      items.push(invoiceToModel(r));
    } catch (e) {
      if (!(e instanceof UnreadableRecord)) throw e;
      invalid.push({ id: r.InvoiceID, label: r.InvoiceNumber ?? r.InvoiceID, reason: e.message });
    }
  }
  return { items, invalid };
}
