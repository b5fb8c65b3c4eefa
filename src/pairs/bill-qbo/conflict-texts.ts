import { formatMoney, type Money } from '../../core/money.ts';
import type { Link } from '../../model/link.ts';
import { billQboSettingsOf } from './settings.ts';

/**
 * What a person reads when a record the connector wrote to the ledger was changed there: the
 * record as a bookkeeper knows it (BILL's invoice number and vendor name, the ledger's number and
 * Id), what happened, and what to do about it. The record list, the CLI and the dashboard show
 * the text as it is, so it must stand on its own.
 */

/** How the ledger calls the purchases the link writes (bills.ts: PurchaseOrders unless the link posts Bills). */
export function purchaseNouns(link: Link): { noun: string; short: string } {
  return billQboSettingsOf(link).billsAs === 'bill' ? { noun: 'bill', short: 'Bill' } : { noun: 'purchase order', short: 'PO' };
}

export interface PurchaseNamed {
  /** BILL's invoice number (or its id when BILL no longer returns it). */
  invoice: string;
  /** The BILL vendor's name, else its id. */
  vendor: string;
  ledger: string;
  nouns: { noun: string; short: string };
  targetId: string;
  /** The ledger's DocNumber, when it still holds the record. */
  number: string | null;
}

const amount = (m: Money): string => `${formatMoney(m)} ${m.currency}`;
const head = (p: PurchaseNamed): string => `Bill ${p.invoice} from ${p.vendor}`;
const where = (p: PurchaseNamed): string => `(${p.number ? `${p.nouns.short} ${p.number}, ` : ''}Id ${p.targetId})`;

export const purchaseDeleted = (p: PurchaseNamed): string =>
  `${head(p)}: the ${p.nouns.noun} was deleted in ${p.ledger} ${where(p)}; the connector does not re-create it. ` +
  `If the bill does not belong in the books, void it in BILL or press Skip; if it does, enter it again in ${p.ledger} by hand, then press Skip.`;

export const purchaseClosed = (p: PurchaseNamed, owed: Money): string =>
  `${head(p)}: the ${p.nouns.noun} was closed in ${p.ledger} ${where(p)} while BILL still owes ${amount(owed)}. ` +
  `To keep it owed, re-open the ${p.nouns.noun} in ${p.ledger}; to accept the close, void the bill in BILL or press Skip.`;

export const purchaseTotalEdited = (p: PurchaseNamed, theirs: Money, mine: Money): string =>
  `${head(p)}: the ${p.nouns.noun}'s total was changed in ${p.ledger} to ${amount(theirs)} ${where(p)}; BILL's bill is ${amount(mine)}. ` +
  `To keep BILL's amount, undo the edit in ${p.ledger}; to keep ${p.ledger}'s, correct the bill in BILL or press Skip.`;

export interface VendorNamed {
  /** The BILL vendor's name, else its id. */
  vendor: string;
  ledger: string;
  targetId: string;
}

export const vendorGone = (v: VendorNamed): string =>
  `Vendor ${v.vendor}: the vendor was deleted or made inactive in ${v.ledger} (Id ${v.targetId}); the connector does not re-create it while BILL's vendor is linked to it. ` +
  `To go on syncing its bills, make it active again in ${v.ledger}; to accept, make the vendor inactive in BILL or press Skip.`;

export const vendorRenamed = (v: VendorNamed, theirs: string): string =>
  `Vendor ${v.vendor}: the vendor was renamed in ${v.ledger} to '${theirs}' (Id ${v.targetId}); BILL calls it '${v.vendor}'. ` +
  `To keep BILL's name, rename it back in ${v.ledger}; to keep '${theirs}', rename the vendor in BILL to it or press Skip.`;
