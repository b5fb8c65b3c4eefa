import type { Money } from '../core/money.ts';
import type { SystemId } from '../systems/types.ts';
/** Defined with the systems (the lowest layer that names them); re-exported for flows and the engine. */
export { erpSystemIds, systemIds, type ErpSystemId, type SystemId } from '../systems/types.ts';

/**
 * The canonical entities that flows exchange. Each system converts its wire shapes to and from these
 * (src/systems/<x>/to-model.ts and port.ts); flows never see a vendor's wire format. Shaped for every ERP pair:
 * Xero and Acumatica are bill sources, QuickBooks Online a bill target.
 */

/** How each system is named to people (messages, reasons). */
export const systemDisplayNames: Record<SystemId, string> = { xero: 'Xero', bill: 'BILL', qbo: 'QuickBooks Online', acumatica: 'Acumatica' };

export interface GlAccount {
  id: string;
  /** Account number/code as the ledger shows it; not every system requires one. */
  code: string | null;
  name: string;
  /** Normalised kind, enough to decide what an account may be used for. */
  kind: 'expense' | 'asset' | 'liability' | 'equity' | 'revenue' | 'bank' | 'other';
  active: boolean;
  /** Whether payments may be posted to it (Xero: BANK or EnablePaymentsToAccount). */
  acceptsPayments: boolean;
}

export interface Department {
  id: string;
  name: string;
  active: boolean;
}

export interface PostalAddress {
  line1: string | null;
  line2: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  /** ISO 3166-1 alpha-2 where known. */
  country: string | null;
}

export interface Vendor {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  taxId: string | null;
  address: PostalAddress | null;
  currency: string | null;
  active: boolean;
  /** Source-side modification stamp (ISO-8601), used for audit and change detection. */
  updatedAt: string;
}

export type BillStatus = 'draft' | 'submitted' | 'approved' | 'paid' | 'voided' | 'deleted';

export interface BillLine {
  description: string;
  amount: Money;
  /** The source ledger's account for this line: code when the system has codes, else its id. */
  account: { id: string | null; code: string | null } | null;
  /**
   * Tracking/dimension values, e.g. Xero tracking category "Region" = "West"; a ledger with
   * subaccounts (Acumatica) gives the line's subaccount as category `subaccountDimension`.
   */
  dimensions: { category: string; option: string }[];
}

/** The dimension category a ledger's subaccount (a segmented code such as "000-100") is carried under. */
export const subaccountDimension = 'Subaccount';

/**
 * What an AP document is, where the ledger has more than bills (Acumatica AP: Bill, Credit Adj.,
 * Debit Adj., Prepayment; docs/adr/0006). Absent: a bill.
 */
export type PayableKind = 'bill' | 'vendor-credit' | 'prepayment';

export interface Bill {
  id: string;
  /** Absent: 'bill'. Only bills (and documents that add to what is owed, given as bills) go to BILL as bills. */
  kind?: PayableKind;
  vendorId: string;
  invoiceNumber: string;
  /** yyyy-MM-dd */
  invoiceDate: string;
  /** yyyy-MM-dd */
  dueDate: string;
  currency: string;
  status: BillStatus;
  /** The source's own status text, kept for audit and for a status the connector does not know yet (mapped to a safe value). */
  statusText?: string;
  total: Money;
  amountDue: Money;
  amountPaid: Money;
  lines: BillLine[];
  updatedAt: string;
}

/**
 * Where a payment is in its life on the paying side:
 * - scheduled: booked, no money has moved yet; in_process: money is moving (funding, on hold, a void
 *   under way); both are re-read until they settle or are cancelled;
 * - settled: the money left for the vendor; cancelled: cancelled or voided, no money moved for good;
 * - escheated: the money went to the state as unclaimed property, not to the vendor;
 * - failed: funding or disbursement failed and the payer must act; it may still be sent again;
 * - unknown: a status the connector does not know; never treated as any of the others.
 */
export type PaymentLifecycleState = 'scheduled' | 'in_process' | 'settled' | 'cancelled' | 'escheated' | 'failed' | 'unknown';

/** A payment applied to one bill on the paying side (BILL billPayments[] entry). */
export interface BillPaymentApplication {
  /** Stable id of this application (BILL blp…); the unit that becomes one ERP payment. */
  id: string;
  paymentId: string;
  billId: string;
  amount: Money;
  /** yyyy-MM-dd the money left. */
  date: string;
  state: PaymentLifecycleState;
  /** Raw status text from the paying system, kept for audit. */
  statusText: string;
  updatedAt: string;
}

/** One line of a bill as the paying side holds it, with the id that side gave it. */
export interface TargetBillLine {
  id: string;
  amount: Money;
  description: string;
  /** The paying side's account for the line (BILL chart-of-accounts id), null when uncoded. */
  accountId: string | null;
  departmentId: string | null;
}

/** The paying side's current view of a bill it holds. */
export interface TargetBillState {
  id: string;
  /** The number the target shows it by (QBO DocNumber), where it has one: conflict texts name it. */
  number?: string | null;
  amount: Money;
  paidAmount: Money;
  /** Money promised by scheduled payments that have not settled. */
  scheduledAmount: Money;
  archived: boolean;
  /** Its lines in the paying side's order; an update keeps their ids where it can. */
  lines: TargetBillLine[];
}
