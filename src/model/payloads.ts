import type { Money } from '../core/money.ts';
import type { Vendor } from './types.ts';

/**
 * What the pure mappers hand to a target system's writer, in canonical terms: each system's adapter
 * turns a payload into its own wire JSON. They live here, not with one pair's flows, because a
 * payload is about the target entity: a vendor payload serves a BILL vendor (Xero → BILL,
 * Acumatica → BILL) and a QuickBooks vendor (BILL → QBO) alike.
 */

/** The vendor fields kept aligned on the target (BILL create-vendor fields, developer.bill.com/reference/createvendor). */
export type VendorPayload = Pick<Vendor, 'name' | 'email' | 'phone' | 'taxId' | 'address' | 'currency'>;

/** A payable bill as the target receives it. */
export interface BillPayload {
  vendorId: string;
  invoiceNumber: string;
  invoiceDate: string;
  dueDate: string;
  currency: string;
  description: string;
  lines: { amount: Money; description: string; chartOfAccountId: string; departmentId: string | null }[];
}

/** A payment to post on the ledger against the original bill. */
export interface PaymentPayload {
  erpBillId: string;
  amount: Money;
  date: string;
  /** Names the paying system's payment, so a lost response can be found again by reference. */
  reference: string;
  /** Id of the payment application this payment mirrors (one ledger payment per application). */
  applicationId: string;
}

/** A vendor already on the target, as duplicate detection sees it before any create. */
export interface VendorIndexEntry {
  id: string;
  name: string;
  email: string | null;
  taxId: string | null;
  archived: boolean;
}

/** A target bill as the search after a lost answer and reconcile see it. */
export interface BillSummary {
  id: string;
  vendorId: string;
  invoiceNumber: string;
  amount: Money;
  archived: boolean;
}

/**
 * vendor|invoice number|amount in minor units: how a bill is found again on a payables target when
 * the answer to its create was lost, and how reconcile spots a bill created twice.
 */
export const billMatchKey = (vendorId: string, invoiceNumber: string, amountMinor: bigint): string =>
  `${vendorId}|${invoiceNumber.trim().toLowerCase()}|${amountMinor}`;

/** The vendor id a bill match key starts with. */
export const vendorOfBillMatchKey = (key: string): string => key.split('|')[0] ?? '';

/** How vendor names compare when a vendor create's answer was lost (case and outer spaces aside). */
export const vendorMatchKey = (name: string): string => name.trim().toLowerCase();
