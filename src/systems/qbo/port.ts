import type { Bill, Department, GlAccount, TargetBillState, Vendor } from '../../model/types.ts';
import type { BillDirectory, ChartPort, EntityReader, EntityWriter, PaymentAccountRef, SystemPort, VendorDirectory } from '../../engine/ports.ts';
import type { BillPayload, BillSummary, PaymentPayload, VendorPayload } from '../../model/payloads.ts';
import type { QboCompanyClient } from './company-client.ts';
import { QboPaymentWriter } from './payment-writer.ts';
import { QboPurchaseWriter } from './purchase-writer.ts';
import { qboReader } from './readers.ts';
import type { QboAccount, QboBill, QboPurchaseOrder } from './schema.ts';
import { accountToModel, amountOf, currencyOf, purchaseSummary, purchaseToModel, vendorIndexEntry, vendorToModel } from './to-model.ts';
import type { QboDimension } from './to-wire.ts';
import { QboVendorWriter } from './vendor-writer.ts';

export interface QboPortOptions {
  /** The company's home currency (CompanyInfo / Preferences); amounts without a CurrencyRef are in it. */
  homeCurrency?: string;
  /** BILL departments as QBO Departments (one per transaction) or as line Classes. */
  dimension?: QboDimension;
  /** BILL bills become PurchaseOrders (default) or, for firms without purchase orders, Bills. */
  billsAs?: 'purchaseOrder' | 'bill';
}

const labelOf = (raw: unknown): string => {
  const r = (raw ?? {}) as { DisplayName?: unknown; DocNumber?: unknown; Id?: unknown };
  return typeof r.DisplayName === 'string' ? r.DisplayName : typeof r.DocNumber === 'string' ? r.DocNumber : typeof r.Id === 'string' ? `#${r.Id}` : '';
};

/**
 * QuickBooks Online as the engine sees it, bound to one company (realm), as the TARGET of BILL's
 * vendors, bills and payments. QBO owns the chart of accounts, so `chart` only lists it. Vendors
 * are matched before they are created; bills become PurchaseOrders (or Bills); payments become
 * BillPayments applied to a Bill. Readers serve validation and reconcile.
 */
export class QboPort implements SystemPort {
  readonly system = 'qbo' as const;
  readonly chart: ChartPort;
  readonly departments: { list(): Promise<Department[]> };
  readonly read: { vendor: EntityReader<Vendor>; bill: EntityReader<Bill> };
  readonly write: {
    vendor: QboVendorWriter;
    /** The writer for BILL bills in this link's mode (PurchaseOrders or Bills). */
    bill: EntityWriter<BillPayload>;
    purchaseOrder: QboPurchaseWriter;
    qboBill: QboPurchaseWriter;
    payment: EntityWriter<PaymentPayload, PaymentAccountRef>;
  };
  readonly vendorDirectory: VendorDirectory;
  readonly billDirectory: BillDirectory;
  private readonly homeCurrency: string;
  private readonly purchaseEntity: 'PurchaseOrder' | 'Bill';
  private accountCache: Promise<QboAccount[]> | undefined;

  constructor(
    private readonly client: QboCompanyClient,
    options: QboPortOptions = {},
  ) {
    this.homeCurrency = options.homeCurrency ?? 'USD';
    const dimension = options.dimension ?? 'department';
    this.purchaseEntity = options.billsAs === 'bill' ? 'Bill' : 'PurchaseOrder';
    this.chart = { list: () => this.listAccounts() };
    this.departments = { list: () => this.listDimension(dimension) };
    const purchaseOptions = { dimension, homeCurrency: this.homeCurrency };
    const purchaseOrder = new QboPurchaseWriter(client, 'PurchaseOrder', purchaseOptions);
    const qboBill = new QboPurchaseWriter(client, 'Bill', purchaseOptions);
    this.write = {
      vendor: new QboVendorWriter(client, this.homeCurrency),
      bill: this.purchaseEntity === 'Bill' ? qboBill : purchaseOrder,
      purchaseOrder,
      qboBill,
      payment: new QboPaymentWriter(client, () => this.accounts()),
    };
    this.read = {
      vendor: qboReader(client, 'Vendor', (v) => vendorToModel(v, this.homeCurrency), labelOf),
      bill: qboReader(client, this.purchaseEntity, (p) => purchaseToModel(p as QboPurchaseOrder | QboBill, this.homeCurrency), labelOf),
    };
    this.vendorDirectory = { iterate: () => this.iterateVendors(), currencies: (ids) => this.vendorCurrencies(ids) };
    this.billDirectory = { iterate: () => this.iteratePurchases(), states: (ids) => this.purchaseStates(ids) };
  }

  get tenantId(): string {
    return this.client.realmId;
  }

  private accounts(): Promise<QboAccount[]> {
    this.accountCache ??= this.client.queryAll('Account').catch((e: unknown) => {
      this.accountCache = undefined;
      throw e;
    });
    return this.accountCache;
  }

  async listAccounts(): Promise<GlAccount[]> {
    this.accountCache = undefined;
    return (await this.accounts()).map(accountToModel);
  }

  async listDimension(dimension: QboDimension): Promise<Department[]> {
    const rows = dimension === 'class' ? await this.client.queryAll('Class') : await this.client.queryAll('Department');
    return rows.map((d) => ({ id: d.Id, name: d.FullyQualifiedName ?? d.Name, active: d.Active !== false }));
  }

  async *iterateVendors() {
    for await (const page of this.client.query('Vendor')) yield page.records.map(vendorIndexEntry);
  }

  async vendorCurrencies(ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 100) {
      const rows = await this.client.queryAll('Vendor', [{ field: 'Id', op: 'IN', values: ids.slice(i, i + 100) }]);
      for (const v of rows) out.set(v.Id, v.CurrencyRef?.value ?? this.homeCurrency);
    }
    return out;
  }

  async *iteratePurchases(): AsyncIterable<BillSummary[]> {
    for await (const page of this.client.query(this.purchaseEntity)) yield (page.records as (QboPurchaseOrder | QboBill)[]).map((p) => purchaseSummary(p, this.homeCurrency));
  }

  /**
   * The target's view of these purchase orders (or bills). A PO records no payments, so its paid
   * amount is what its linked Bills have paid; lines have no id the connector keeps.
   */
  async purchaseStates(ids: readonly string[]): Promise<TargetBillState[]> {
    const out: TargetBillState[] = [];
    for (const id of ids) {
      const p = (await this.client.read(this.purchaseEntity, id)) as QboPurchaseOrder | QboBill;
      const currency = currencyOf(p, this.homeCurrency);
      const total = amountOf(p.TotalAmt, currency);
      const balance = 'Balance' in p && p.Balance !== undefined ? amountOf(p.Balance, currency) : total;
      out.push({
        id: p.Id,
        amount: total,
        paidAmount: { currency, minor: total.minor - balance.minor },
        scheduledAmount: { currency, minor: 0n },
        archived: 'POStatus' in p && p.POStatus === 'Closed',
        lines: p.Line.flatMap((l) => (l.Id ? [{ id: l.Id, amount: amountOf(l.Amount, currency), description: l.Description ?? '', accountId: l.AccountBasedExpenseLineDetail?.AccountRef.value ?? null, departmentId: l.AccountBasedExpenseLineDetail?.ClassRef?.value ?? p.DepartmentRef?.value ?? null }] : [])),
      });
    }
    return out;
  }

  /**
   * Turns a purchase order into a QBO Bill linked to it (LinkedTxn → PurchaseOrder, which closes
   * the PO), with the PO's lines, so a BillPayment can be applied. Safe to repeat: the create's
   * `requestid` comes from the PO id, and a Bill already linked to the PO is returned instead.
   */
  async billFromPurchaseOrder(purchaseOrderId: string): Promise<string> {
    const po = await this.client.read('PurchaseOrder', purchaseOrderId);
    const linked = await this.client.queryAll('Bill', [{ field: 'VendorRef', op: '=', value: po.VendorRef.value }]);
    const existing = linked.find((b) => (b.LinkedTxn ?? []).some((t) => t.TxnType === 'PurchaseOrder' && t.TxnId === purchaseOrderId));
    if (existing) return existing.Id;
    const bill = await this.client.create(
      'Bill',
      {
        VendorRef: { value: po.VendorRef.value },
        ...(po.DocNumber ? { DocNumber: po.DocNumber } : {}),
        ...(po.TxnDate ? { TxnDate: po.TxnDate } : {}),
        ...(po.DueDate ? { DueDate: po.DueDate } : {}),
        ...(po.DepartmentRef ? { DepartmentRef: po.DepartmentRef } : {}),
        ...(po.CurrencyRef ? { CurrencyRef: { value: po.CurrencyRef.value } } : {}),
        ...(po.PrivateNote ? { PrivateNote: po.PrivateNote } : {}),
        Line: po.Line.filter((l) => l.AccountBasedExpenseLineDetail).map((l) => ({
          Amount: l.Amount ?? '0',
          ...(l.Description ? { Description: l.Description } : {}),
          DetailType: 'AccountBasedExpenseLineDetail',
          AccountBasedExpenseLineDetail: { AccountRef: { value: l.AccountBasedExpenseLineDetail!.AccountRef.value }, ...(l.AccountBasedExpenseLineDetail!.ClassRef ? { ClassRef: { value: l.AccountBasedExpenseLineDetail!.ClassRef.value } } : {}) },
        })),
        LinkedTxn: [{ TxnId: purchaseOrderId, TxnType: 'PurchaseOrder' }],
      },
      { intentKey: `bill-from-po:${purchaseOrderId}` },
    );
    return bill.Id;
  }
}
