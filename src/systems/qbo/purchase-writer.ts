import { mapLimit } from '../../core/concurrency.ts';
import { ConnectorError } from '../../core/errors.ts';
import { sumMoney } from '../../core/money.ts';
import type { EntityWriter, MatchFound, WriteResult } from '../../engine/ports.ts';
import { billMatchKey, type BillPayload } from '../../model/payloads.ts';
import type { QboCompanyClient } from './company-client.ts';
import { qboDocNumber } from './doc-number.ts';
import type { QboBill, QboPurchaseOrder } from './schema.ts';
import { itemFailure, withSyncToken } from './sync-token.ts';
import { purchaseSummary } from './to-model.ts';
import { billInput, purchaseOrderInput, transactionDepartment, type PurchaseOptions } from './to-wire.ts';

/** Clock skew between us and QBO: the search after a lost answer opens this much before `since`. */
const skewMs = 15 * 60_000;

type PurchaseEntity = 'PurchaseOrder' | 'Bill';

/**
 * BILL bills written to QBO as PurchaseOrders (the default) or as Bills, one request per record:
 * each create carries a `requestid` from the bill's match key (vendor, invoice number, amount), so
 * a repeat after a lost answer replays QBO's first answer instead of writing a second PO. Updates
 * are sparse with the SyncToken (the lines replaced as a whole), retried once after a 5010.
 * Archiving a PurchaseOrder closes it (POStatus Closed); a Bill is not archived by the connector.
 */
export class QboPurchaseWriter implements EntityWriter<BillPayload> {
  readonly caps = { batch: 30, inFlight: 1, atomic: false };
  readonly archive?: (id: string) => Promise<void>;

  constructor(
    private readonly client: QboCompanyClient,
    private readonly entity: PurchaseEntity,
    private readonly options: PurchaseOptions,
  ) {
    if (entity === 'PurchaseOrder') this.archive = (id) => this.close(id);
  }

  private input(p: BillPayload): Record<string, unknown> {
    const department = transactionDepartment(p);
    if ('conflict' in department) {
      throw new ConnectorError({
        code: 'MLC_ERR_VALIDATION',
        system: 'qbo',
        message: `bill ${p.invoiceNumber} has lines in ${department.conflict.length} departments, but QuickBooks Online takes one Department (Location) per transaction: map departments to Classes for this link, or split the bill.`,
      });
    }
    const input = this.entity === 'PurchaseOrder' ? purchaseOrderInput(p, this.options, department.id) : billInput(p, this.options, department.id);
    return { ...input };
  }

  /** The intent a create stands for: the bill's match key, the same on every attempt. */
  static intentKey(p: BillPayload): string {
    return billMatchKey(p.vendorId, p.invoiceNumber, sumMoney(p.currency, p.lines.map((l) => l.amount)).minor);
  }

  create(payloads: readonly BillPayload[]): Promise<WriteResult[]> {
    return mapLimit(payloads, 4, async (p): Promise<WriteResult> => {
      try {
        const created = await this.client.create(this.entity, this.input(p), { intentKey: QboPurchaseWriter.intentKey(p) });
        return { ok: true, targetId: created.Id };
      } catch (e) {
        const failure = itemFailure(e);
        if (!failure) throw e;
        return { ok: false, error: failure };
      }
    });
  }

  async update(id: string, payload: BillPayload): Promise<void> {
    const input = this.input(payload);
    // A PO's status is the connector's to close, not to reopen on an edit.
    delete input.POStatus;
    await withSyncToken(`${this.entity} ${id}`, () => this.client.read(this.entity, id), (current) =>
      this.client.updateSparse(this.entity, { ...input, Id: id, SyncToken: current.SyncToken, sparse: true }),
    );
  }

  /** Closes a purchase order (POStatus Closed, Finance.xsd PurchaseOrderStatusEnum). */
  async close(id: string): Promise<void> {
    await withSyncToken(`PurchaseOrder ${id}`, () => this.client.read('PurchaseOrder', id), (current) =>
      current.POStatus === 'Closed' ? Promise.resolve(current) : this.client.updateSparse('PurchaseOrder', { Id: id, SyncToken: current.SyncToken, sparse: true, POStatus: 'Closed' }),
    );
  }

  /**
   * Records created since `since` whose key (vendor|invoice number|amount, model/payloads.ts
   * billMatchKey) is asked for; a DocNumber shortened to 21 characters is compared in its
   * shortened form (doc-number.ts).
   */
  async findByMatchKey(keys: readonly string[], since: Date): Promise<MatchFound[]> {
    const wanted = new Map<string, string>();
    for (const key of keys) {
      const [vendorId = '', invoice = '', amount = ''] = key.split('|');
      wanted.set(`${vendorId}|${qboDocNumber(invoice).toLowerCase()}|${amount}`, key);
    }
    const from = new Date(since.getTime() - skewMs).toISOString();
    const found: MatchFound[] = [];
    for await (const page of this.client.query(this.entity, [{ field: 'MetaData.CreateTime', op: '>=', value: from }])) {
      for (const record of page.records as (QboPurchaseOrder | QboBill)[]) {
        const s = purchaseSummary(record, this.options.homeCurrency);
        const key = wanted.get(`${s.vendorId}|${s.invoiceNumber.toLowerCase()}|${s.amount.minor}`);
        if (key && !s.archived) found.push({ key, id: s.id });
      }
    }
    return found;
  }
}
