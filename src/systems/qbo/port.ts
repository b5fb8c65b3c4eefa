import { ConnectorError } from '../../core/errors.ts';
import { formatMoney } from '../../core/money.ts';
import type { BillDirectory, ChangeFeed, ChartPort, EntityReader, EntityWriter, MatchFound, Page, PaymentAccountRef, SystemPort, VendorDirectory } from '../../engine/ports.ts';
import type { Bill, Department, GlAccount, Vendor } from '../../model/types.ts';
import { vendorMatchKey, type BillPayload, type BillSummary, type PaymentPayload, type VendorPayload } from '../../model/payloads.ts';
import { qboChangeFeed } from './changes.ts';
import type { QboCompanyClient } from './company-client.ts';
import { qboDocNumber } from './doc-number.ts';
import { QboPaymentWriter } from './payment-writer.ts';
import { QboPurchaseWriter, type QboPurchaseEntity } from './purchase-writer.ts';
import { qboReader } from './readers.ts';
import type { QboAccount, QboBill, QboPurchaseOrder } from './schema.ts';
import { accountToModel, purchaseState, purchaseSummary, purchaseToModel, vendorIndexEntry, vendorToModel } from './to-model.ts';
import { billInput, purchaseIntentKey, purchaseOrderInput, qboDisplayName, qboVendorMatchKeys, transactionDepartment, vendorInput, type PurchaseOptions, type QboDimension } from './to-wire.ts';
import { QboVendorWriter } from './vendor-writer.ts';

export interface QboPortOptions {
  /** The company's home currency (Preferences); amounts without a CurrencyRef are in it. */
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
 * vendors, bills and payments. QBO owns the chart of accounts, so `chart` only lists it. Vendors are
 * matched before they are created (vendor-writer.ts); bills become PurchaseOrders or Bills
 * (purchase-writer.ts); payments become BillPayments applied to a Bill (payment-writer.ts).
 * Readers serve validation and reconcile. This file only adapts canonical payloads to them.
 */
export class QboPort implements SystemPort {
  readonly system = 'qbo' as const;
  readonly chart: ChartPort;
  readonly departments: { list(): Promise<Department[]> };
  readonly read: { vendor: EntityReader<Vendor>; bill: EntityReader<Bill> };
  readonly write: {
    vendor: EntityWriter<VendorPayload>;
    /** BILL bills in this link's mode (PurchaseOrders by default, or Bills). */
    bill: EntityWriter<BillPayload>;
    purchaseOrder: EntityWriter<BillPayload>;
    qboBill: EntityWriter<BillPayload>;
    payment: EntityWriter<PaymentPayload, PaymentAccountRef>;
  };
  readonly vendorDirectory: VendorDirectory;
  readonly billDirectory: BillDirectory;
  /** Vendors, this link's purchases and BillPayments changed in QBO, deletions included (changes.ts: CDC, or queries past its window). */
  readonly changes: ChangeFeed;
  readonly vendors: QboVendorWriter;
  readonly purchaseOrders: QboPurchaseWriter;
  readonly bills: QboPurchaseWriter;
  readonly payments: QboPaymentWriter;
  private readonly homeCurrency: string;
  private readonly purchaseEntity: QboPurchaseEntity;
  private readonly purchaseOptions: PurchaseOptions;
  private accountCache: Promise<QboAccount[]> | undefined;

  constructor(
    private readonly client: QboCompanyClient,
    options: QboPortOptions = {},
  ) {
    this.homeCurrency = options.homeCurrency ?? 'USD';
    const dimension = options.dimension ?? 'department';
    this.purchaseOptions = { dimension, homeCurrency: this.homeCurrency };
    this.purchaseEntity = options.billsAs === 'bill' ? 'Bill' : 'PurchaseOrder';
    this.vendors = new QboVendorWriter(client, (v) => qboVendorMatchKeys({ name: v.DisplayName, taxId: v.TaxIdentifier ?? null, email: v.PrimaryEmailAddr?.Address ?? null }));
    this.purchaseOrders = new QboPurchaseWriter(client, 'PurchaseOrder');
    this.bills = new QboPurchaseWriter(client, 'Bill');
    this.payments = new QboPaymentWriter(client, () => this.accounts());
    this.chart = { list: () => this.listAccounts() };
    this.departments = { list: () => this.listDimension(dimension) };
    const purchaseOrder = this.purchaseWriter(this.purchaseOrders);
    const qboBill = this.purchaseWriter(this.bills);
    this.write = {
      vendor: {
        caps: { batch: 30, inFlight: 1, atomic: false },
        create: (payloads) => this.vendors.create(payloads.map((p) => ({ input: vendorInput(p, this.homeCurrency), keys: qboVendorMatchKeys(p), intentKey: `vendor:${qboVendorMatchKeys(p)[0]}` }))),
        update: (id, payload) => this.vendors.update(id, vendorInput(payload, this.homeCurrency)),
        archive: (id) => this.vendors.archive(id),
        findByMatchKey: (keys) => this.findVendors(keys),
      },
      bill: this.purchaseEntity === 'Bill' ? qboBill : purchaseOrder,
      purchaseOrder,
      qboBill,
      payment: {
        caps: { batch: 30, inFlight: 1, atomic: false },
        // In purchase-order mode a payment names the PurchaseOrder: it is turned into its Bill first (once; repeats find it).
        create: async (payloads, account) => {
          const billIds = new Map<string, string>();
          if (this.purchaseEntity === 'PurchaseOrder') {
            for (const poId of new Set(payloads.map((p) => p.erpBillId))) billIds.set(poId, await this.billFromPurchaseOrder(poId));
          }
          return this.payments.create(payloads.map((p) => ({ billId: billIds.get(p.erpBillId) ?? p.erpBillId, amount: formatMoney(p.amount), date: p.date, reference: p.reference, intentKey: `payment:${p.applicationId}` })), account);
        },
        findByMatchKey: (keys, since) => this.payments.findByReference(keys, since),
      },
    };
    const purchases = qboReader(client, this.purchaseEntity, (p) => purchaseToModel(p as QboPurchaseOrder | QboBill, this.homeCurrency), labelOf);
    this.read = {
      vendor: qboReader(client, 'Vendor', (v) => vendorToModel(v, this.homeCurrency), labelOf),
      bill: this.purchaseEntity === 'Bill' ? purchases : {
        // A PurchaseOrder that was paid is closed and lives on as the Bill linked to it: it reads as that Bill's balance.
        iterate: (since) => this.iteratePayable(purchases, since),
        get: async (ids) => {
          const read = await purchases.get(ids);
          return { ...read, items: await this.payableView(read.items) };
        },
      },
    };
    // A BILL bill is checked as the PurchaseOrder (or Bill) it became, not as the Bill a paid PO turns into.
    this.changes = qboChangeFeed(client, { vendor: 'Vendor', bill: this.purchaseEntity, payment: 'BillPayment' });
    this.vendorDirectory = { iterate: () => this.iterateVendors(), currencies: (ids) => this.vendorCurrencies(ids) };
    this.billDirectory = {
      iterate: () => this.iteratePurchases(),
      states: async (ids) => Promise.all(ids.map(async (id) => purchaseState((await this.client.read(this.purchaseEntity, id)) as QboPurchaseOrder | QboBill, this.homeCurrency))),
    };
  }

  get tenantId(): string {
    return this.client.realmId;
  }

  /**
   * Vendors by match key: a name key (model/payloads.ts vendorMatchKey) is compared as the display
   * name QBO would hold (qboDisplayName), and `taxid:` / `email:` keys as they are; each match
   * answers the key as asked.
   */
  private async findVendors(keys: readonly string[]): Promise<MatchFound[]> {
    const asked = new Map<string, string[]>();
    for (const key of keys) {
      const norm = /^(taxid|email):/.test(key) ? key : vendorMatchKey(qboDisplayName(key));
      asked.set(norm, [...(asked.get(norm) ?? []), key]);
    }
    const found = await this.vendors.findByMatchKey([...asked.keys()]);
    return found.flatMap((f) => (asked.get(f.key) ?? []).map((key) => ({ key, id: f.id })));
  }

  private purchaseWriter(writer: QboPurchaseWriter): EntityWriter<BillPayload> {
    const input = (p: BillPayload) => {
      // Lines keep their own Class; only a transaction-wide Department needs the lines to agree.
      const department = this.purchaseOptions.dimension === 'department' ? transactionDepartment(p) : { id: null };
      if ('conflict' in department) {
        throw new ConnectorError({
          code: 'MLC_ERR_VALIDATION',
          system: 'qbo',
          message: `bill ${p.invoiceNumber} has lines in ${department.conflict.length} departments, but QuickBooks Online takes one Department (Location) per transaction: map departments to Classes for this link, or split the bill.`,
        });
      }
      return writer.entity === 'PurchaseOrder' ? purchaseOrderInput(p, this.purchaseOptions, department.id) : billInput(p, this.purchaseOptions, department.id);
    };
    return {
      caps: { batch: 30, inFlight: 1, atomic: false },
      create: (payloads) => writer.create(payloads.map((p) => ({ input: () => input(p), intentKey: purchaseIntentKey(p) }))),
      update: (id, payload) => writer.update(id, input(payload)),
      ...(writer.entity === 'PurchaseOrder' ? { archive: (id: string) => writer.close(id) } : {}),
      findByMatchKey: (keys, since) => this.findPurchases(writer, keys, since),
    };
  }

  /**
   * Open records created since `since` whose key (vendor|invoice number|amount, billMatchKey) is
   * asked for. The key knows the invoice number lower-cased, and a DocNumber shortened to 21
   * characters is compared in its shortened form (doc-number.ts hashes the lower-cased number).
   */
  private async findPurchases(writer: QboPurchaseWriter, keys: readonly string[], since: Date): Promise<MatchFound[]> {
    const wanted = new Map<string, string>();
    for (const key of keys) {
      const [vendorId = '', invoice = '', amount = ''] = key.split('|');
      wanted.set(`${vendorId}|${qboDocNumber(invoice).toLowerCase()}|${amount}`, key);
    }
    const found: MatchFound[] = [];
    for await (const records of writer.createdSince(since)) {
      for (const record of records) {
        const s = purchaseSummary(record, this.homeCurrency);
        const key = wanted.get(`${s.vendorId}|${s.invoiceNumber.toLowerCase()}|${s.amount.minor}`);
        if (key && !s.archived) found.push({ key, id: s.id });
      }
    }
    return found;
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
      for (const v of await this.client.queryAll('Vendor', [{ field: 'Id', op: 'IN', values: ids.slice(i, i + 100) }])) out.set(v.Id, v.CurrencyRef?.value ?? this.homeCurrency);
    }
    return out;
  }

  async *iteratePurchases(): AsyncIterable<BillSummary[]> {
    for await (const page of this.client.query(this.purchaseEntity)) yield (page.records as (QboPurchaseOrder | QboBill)[]).map((p) => purchaseSummary(p, this.homeCurrency));
  }

  /**
   * Purchase orders as what is owed on them: a closed one that became a Bill (LinkedTxn →
   * PurchaseOrder) takes that Bill's balance and status; a closed one with no Bill stays voided.
   * One query per vendor of the closed orders.
   */
  private async *iteratePayable(orders: EntityReader<Bill>, since: string | null): AsyncIterable<Page<Bill>> {
    for await (const page of orders.iterate(since)) yield { ...page, items: await this.payableView(page.items) };
  }

  private async payableView(orders: Bill[]): Promise<Bill[]> {
    const closed = orders.filter((o) => o.status === 'voided');
    if (closed.length === 0) return orders;
    const billOf = new Map<string, QboBill>();
    for (const vendorId of new Set(closed.map((o) => o.vendorId))) {
      for (const b of await this.client.queryAll('Bill', [{ field: 'VendorRef', op: '=', value: vendorId }])) {
        for (const t of [...(b.LinkedTxn ?? []), ...b.Line.flatMap((l) => l.LinkedTxn ?? [])]) if (t.TxnType === 'PurchaseOrder') billOf.set(t.TxnId, b);
      }
    }
    return orders.map((o) => {
      const bill = o.status === 'voided' ? billOf.get(o.id) : undefined;
      if (!bill) return o;
      const asBill = purchaseToModel(bill, this.homeCurrency);
      return { ...o, status: asBill.status, total: asBill.total, amountDue: asBill.amountDue, amountPaid: asBill.amountPaid };
    });
  }

  /** Turns a synced purchase order into a Bill linked to it, ready for a BillPayment (purchase-writer.ts). */
  billFromPurchaseOrder(purchaseOrderId: string): Promise<string> {
    return this.purchaseOrders.billFromPurchaseOrder(purchaseOrderId);
  }
}
