import type { ConnectorError, ErrorCode } from '../core/errors.ts';
import type { Money } from '../core/money.ts';
import type { Bill, BillPaymentApplication, Department, GlAccount, SystemId, TargetBillState, Vendor } from '../model/types.ts';
import type { BillPayload } from '../flows/xero-to-bill/map-bill.ts';
import type { VendorIndexEntry, VendorPayload } from '../flows/xero-to-bill/map-vendor.ts';
import type { ErpPaymentPayload } from '../flows/bill-to-xero/map-payment.ts';

/**
 * What the engine needs from each side, in canonical terms. Each system folder implements its side
 * over its own client (src/systems/<x>/port.ts); the engine never sees wire formats. An ERP that
 * sends bills to BILL (Xero, Acumatica) is an ErpBillSource; BILL is the PayablesHub.
 *
 * A Page is one page of a delta read: only an unreadable page (not JSON, no list) fails the
 * page; a record on it that cannot be read is in `invalid`.
 */
export interface Page<T> extends Read<T> {
  /** The checkpoint to store once every write for this page is committed. */
  cursor: string | null;
}

/**
 * A record a read returned that could not be decoded or turned into the model (a field of the wrong
 * type, a bad date, an amount with too many decimals, a currency that is not ISO 4217). It is
 * recorded as failed with `code`, on its own; the other records of the read go on.
 */
export interface InvalidRecord {
  /** The record's id on its source; null when the id itself could not be read. */
  id: string | null;
  /** How people know the record (its number, its name); '' when nothing of it could be read. */
  label: string;
  /** What is wrong, naming the field. */
  reason: string;
  code: ErrorCode;
}

/** What a read of several records gives: the records read, and those that could not be. */
export interface Read<T> {
  items: T[];
  /** Failed, never dropped: the engine records each one as failed with its own code. */
  invalid: InvalidRecord[];
}

export type WriteResult = { ok: true; targetId: string } | { ok: false; error: ConnectorError };

/** Where payments are posted on the ERP (Xero: a bank account or one with payments enabled). */
export interface PaymentAccountRef {
  code?: string | undefined;
  id?: string | undefined;
}

export interface ErpBillSource {
  readonly system: SystemId;
  /** The ERP's tenant/company id, for audit and limits. */
  readonly tenantId: string;
  listAccounts(): Promise<GlAccount[]>;
  /** Suppliers changed since the checkpoint, oldest first. */
  iterateSuppliers(since: string | null): AsyncIterable<Page<Vendor>>;
  /** Suppliers by id (replay, and suppliers first met on a bill); an id the ERP does not return is left out. */
  getVendors(ids: readonly string[]): Promise<Read<Vendor>>;
  /** Payable bills (all statuses) changed since the checkpoint, oldest first. */
  iterateBills(since: string | null): AsyncIterable<Page<Bill>>;
  /** Bills by id (replay, webhook follow-ups, payments checks); an id the ERP does not return is left out. */
  getBills(ids: readonly string[]): Promise<Read<Bill>>;
  /** Posts payments; one result per payment, in order (a rejected one does not sink the others). */
  postPayments(payments: readonly ErpPaymentPayload[], account: PaymentAccountRef): Promise<WriteResult[]>;
  /**
   * Payments already on the ERP carrying these references (reference → ERP payment id).
   * `postedAfter`: none of them can have been posted earlier, which lets an ERP read one window.
   */
  findPaymentsByReference(references: readonly string[], postedAfter?: Date): Promise<Map<string, string>>;
  deletePayment(id: string): Promise<void>;
  /** Departments/dimensions are read from bill lines; this lists the ERP's categories for mapping UIs. */
  listDimensionCategories(): Promise<{ name: string; options: string[] }[]>;
}

export interface HubBillSummary {
  id: string;
  vendorId: string;
  invoiceNumber: string;
  amount: Money;
  archived: boolean;
}

export interface PayablesHub {
  readonly system: 'bill';
  readonly orgId: string;
  readonly caps: { bulkBills: number; bulkVendors: number; bulkAccounts: number };
  listAccounts(): Promise<GlAccount[]>;
  /** Atomic: all created or none. Returns the created accounts in request order. */
  createAccounts(accounts: readonly { name: string; code: string | null; kind: GlAccount['kind'] }[]): Promise<GlAccount[]>;
  listDepartments(): Promise<Department[]>;
  iterateVendors(): AsyncIterable<VendorIndexEntry[]>;
  findVendorsByName(names: readonly string[]): Promise<VendorIndexEntry[]>;
  /**
   * The currency each hub vendor's bills are in (vendor id → currency), reading by id the vendors
   * not seen yet; a vendor the hub does not have is left out.
   */
  vendorCurrencies(vendorIds: readonly string[]): Promise<Map<string, string>>;
  /** Atomic bulk create; returns target ids in request order. */
  createVendors(payloads: readonly VendorPayload[]): Promise<string[]>;
  updateVendor(id: string, payload: VendorPayload): Promise<void>;
  /** Atomic bulk create; returns target ids in request order. */
  createBills(payloads: readonly BillPayload[]): Promise<string[]>;
  findBillsByVendors(vendorIds: readonly string[]): Promise<HubBillSummary[]>;
  /**
   * Replaces the bill's content with `payload`. `current` is the hub's view read before deciding
   * (getBillStates): its line ids are sent again so unchanged lines keep them; null makes the hub
   * read it.
   */
  updateBill(id: string, payload: BillPayload, current: TargetBillState | null): Promise<void>;
  archiveBill(id: string): Promise<void>;
  getBillStates(ids: readonly string[]): Promise<TargetBillState[]>;
  /** Every bill on the hub (reconcile). */
  iterateBills(): AsyncIterable<HubBillSummary[]>;
  /** Payment applications changed since the checkpoint, oldest first. */
  iteratePaymentApplications(since: string | null): AsyncIterable<Page<BillPaymentApplication>>;
  /** The applications of these payments (replay of single payment records). */
  getPaymentApplications(paymentIds: readonly string[]): Promise<Read<BillPaymentApplication>>;
}
