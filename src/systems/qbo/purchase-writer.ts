import { mapLimit } from '../../core/concurrency.ts';
import type { QboCompanyClient } from './company-client.ts';
import type { QboItemResult } from './item-result.ts';
import type { QboBill, QboPurchaseOrder } from './schema.ts';
import { itemFailure, withSyncToken } from './sync-token.ts';
import type { QboBillInput, QboPurchaseOrderInput } from './write-shapes.ts';

/** Clock skew between us and QBO: the search after a lost answer opens this much before `since`. */
const skewMs = 15 * 60_000;

export type QboPurchaseEntity = 'PurchaseOrder' | 'Bill';

/** A purchase to create and the intent it stands for (the same on every attempt). */
export interface QboPurchaseCreate {
  /** Built lazily so a record that cannot be shaped (departments that disagree) fails alone. */
  input: () => QboPurchaseOrderInput | QboBillInput;
  intentKey: string;
}

/**
 * PurchaseOrders or Bills written to QBO, one request per record: each create carries a
 * `requestid` from its intent, so a repeat after a lost answer replays QBO's first answer instead
 * of writing a second one. Updates are sparse with the SyncToken (the lines replaced as a whole),
 * retried once after a 5010. A PurchaseOrder is closed (POStatus Closed, Finance.xsd
 * PurchaseOrderStatusEnum), and turned into a Bill linked to it when it is paid.
 */
export class QboPurchaseWriter {
  constructor(
    private readonly client: QboCompanyClient,
    readonly entity: QboPurchaseEntity,
  ) {}

  create(items: readonly QboPurchaseCreate[]): Promise<QboItemResult[]> {
    return mapLimit(items, 4, async (item): Promise<QboItemResult> => {
      try {
        const created = await this.client.create(this.entity, item.input(), { intentKey: item.intentKey });
        return { ok: true, targetId: created.Id };
      } catch (e) {
        const failure = itemFailure(e);
        if (!failure) throw e;
        return { ok: false, error: failure };
      }
    });
  }

  async update(id: string, input: QboPurchaseOrderInput | QboBillInput): Promise<void> {
    // A PO's status is the connector's to close, never to reopen on an edit.
    const { POStatus: _status, ...fields } = input as QboPurchaseOrderInput;
    await withSyncToken(`${this.entity} ${id}`, () => this.client.read(this.entity, id), (current) =>
      this.client.updateSparse(this.entity, { ...fields, Id: id, SyncToken: current.SyncToken, sparse: true }),
    );
  }

  async close(id: string): Promise<void> {
    await withSyncToken(`PurchaseOrder ${id}`, () => this.client.read('PurchaseOrder', id), (current) =>
      current.POStatus === 'Closed' ? Promise.resolve(current) : this.client.updateSparse('PurchaseOrder', { Id: id, SyncToken: current.SyncToken, sparse: true, POStatus: 'Closed' }),
    );
  }

  /** Records of this entity created since `since` (less a skew allowance), for the search after a lost answer. */
  async *createdSince(since: Date): AsyncIterable<(QboPurchaseOrder | QboBill)[]> {
    const from = new Date(since.getTime() - skewMs).toISOString();
    for await (const page of this.client.query(this.entity, [{ field: 'MetaData.CreateTime', op: '>=', value: from }])) yield page.records as (QboPurchaseOrder | QboBill)[];
  }

  /**
   * Turns a purchase order into a Bill linked to it (LinkedTxn → PurchaseOrder) with the PO's
   * lines, and closes the PO, so a BillPayment can be applied. Safe to repeat: a Bill already
   * linked to the PO is returned, and the create's `requestid` comes from the PO id.
   */
  async billFromPurchaseOrder(purchaseOrderId: string): Promise<string> {
    const po = await this.client.read('PurchaseOrder', purchaseOrderId);
    const bills = await this.client.queryAll('Bill', [{ field: 'VendorRef', op: '=', value: po.VendorRef.value }]);
    const existing = bills.find((b) => [...(b.LinkedTxn ?? []), ...b.Line.flatMap((l) => l.LinkedTxn ?? [])].some((t) => t.TxnType === 'PurchaseOrder' && t.TxnId === purchaseOrderId));
    if (existing) {
      // A repeat after the Bill was made but before the order was closed finishes the close.
      if (po.POStatus !== 'Closed') await this.close(purchaseOrderId);
      return existing.Id;
    }
    const input: QboBillInput = {
      VendorRef: { value: po.VendorRef.value },
      ...(po.DocNumber ? { DocNumber: po.DocNumber } : {}),
      ...(po.TxnDate ? { TxnDate: po.TxnDate } : {}),
      ...(po.DueDate ? { DueDate: po.DueDate } : {}),
      ...(po.DepartmentRef ? { DepartmentRef: { value: po.DepartmentRef.value } } : {}),
      ...(po.CurrencyRef ? { CurrencyRef: { value: po.CurrencyRef.value } } : {}),
      ...(po.PrivateNote ? { PrivateNote: po.PrivateNote } : {}),
      Line: po.Line.flatMap((l) => {
        const detail = l.AccountBasedExpenseLineDetail;
        if (!detail) return [];
        return [{
          Amount: l.Amount ?? '0',
          ...(l.Description ? { Description: l.Description } : {}),
          DetailType: 'AccountBasedExpenseLineDetail' as const,
          AccountBasedExpenseLineDetail: { AccountRef: { value: detail.AccountRef.value }, ...(detail.ClassRef ? { ClassRef: { value: detail.ClassRef.value } } : {}) },
        }];
      }),
      LinkedTxn: [{ TxnId: purchaseOrderId, TxnType: 'PurchaseOrder' }],
    };
    const bill = await this.client.create('Bill', input, { intentKey: `bill-from-po:${purchaseOrderId}` });
    // Whether linking alone closes the order is not documented for the API, so it is closed explicitly:
    // what remains to pay is the Bill's balance, and the open order must not read as owed twice.
    await this.close(purchaseOrderId);
    return bill.Id;
  }
}
