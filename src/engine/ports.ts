import type { ConnectorError, ErrorCode } from '../core/errors.ts';
import type { Bill, BillPaymentApplication, Department, GlAccount, SystemId, TargetBillState, Vendor } from '../model/types.ts';
import type { BillPayload, BillSummary, PaymentPayload, VendorIndexEntry, VendorPayload } from '../model/payloads.ts';

/**
 * What the engine needs from a system, as capabilities rather than roles (ADR-0005): per entity a
 * reader (pages since a cursor, records by id) and a writer (batched creates within the system's
 * caps, updates, archive or delete), plus the chart of accounts and the few lookups the pure
 * mappers need on a target. Each system folder implements what it offers over its own client
 * (src/systems/<x>/port.ts); a pair's steps name which side reads and which side writes, so the
 * same port serves as source in one pair and target in another. The engine never sees wire formats.
 *
 * A Page is one page of a delta read: only an unreadable page (not JSON, no list) fails the
 * page; a record on it that cannot be read is in `invalid`.
 */
export interface Page<T> extends Read<T> {
  /** The checkpoint to store once every write for this page is committed. */
  cursor: string | null;
  /** Records the whole listing holds, where the source says (Xero's `pagination.itemCount`): an ETA counts the pages left from it. */
  total?: number;
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

/**
 * Told of each page of a delta read as soon as the source has answered, before the page is complete
 * (a BILL payment application before its vendor's currency is read, so without its amount), and
 * whether more pages follow: a planner can start the reads those records will need.
 */
export type ReadAhead<T> = (records: readonly Partial<T>[], last: boolean) => void;

/** Reads one entity of a system. */
export interface EntityReader<T> {
  /** Records changed since the checkpoint, oldest first; `ahead`, where the reader offers it, hears of each page early. */
  iterate(since: string | null, ahead?: ReadAhead<T>): AsyncIterable<Page<T>>;
  /** Ids one API call of `get` carries (Xero `IDs=`: 50), for a caller grouping its own asks; absent: hand `get` all at once. */
  readonly perGet?: number;
  /**
   * Records by id; an id the system does not return is left out. `labels` carries what the engine
   * knows of each (its record label or match key) for systems that cannot read by id alone (a BILL
   * payment application is read through its payment, named in its reference).
   */
  get(ids: readonly string[], labels?: ReadonlyMap<string, string>): Promise<Read<T>>;
}

/** How a writer takes batches: its cap per request, requests in flight, and whether a batch is all-or-nothing. */
export interface WriterCaps {
  batch: number;
  inFlight: number;
  /**
   * true: the whole batch is written or none of it (BILL bulk, developer.bill.com/reference/createbulkbills),
   * so a batch refused as invalid is split to isolate the bad record; false: one result per item
   * (Xero `summarizeErrors=false`, QBO batch).
   */
  atomic: boolean;
}

/** A record found on the target by its match key, after a lost answer or a crash. */
export interface MatchFound {
  key: string;
  id: string;
}

/** Writes one entity of a system. `O` is per-run context the write needs (the payment account, say). */
export interface EntityWriter<P, O = undefined> {
  readonly caps: WriterCaps;
  /** One result per payload, in order. An atomic writer throws for the whole batch, or answers every item ok. */
  create(payloads: readonly P[], options: O): Promise<WriteResult[]>;
  /** `current` is the target's view read before deciding, when the step read one (line ids kept on edit). */
  update?(id: string, payload: P, current: unknown): Promise<void>;
  archive?(id: string): Promise<void>;
  delete?(id: string): Promise<void>;
  /**
   * Records on the target that match these keys (several may match one key), for the search after a
   * lost answer (ADR-0003). `since`: nothing wanted can have been written before it, which lets a
   * system read one window.
   */
  findByMatchKey(keys: readonly string[], since: Date): Promise<MatchFound[]>;
}

/** The chart of accounts. `create` exists only where the system may be written to (a pair's policy decides whether it is). */
export interface ChartPort {
  list(): Promise<GlAccount[]>;
  /** Atomic: all created or none; the created accounts in request order. */
  create?(accounts: readonly { name: string; code: string | null; kind: GlAccount['kind'] }[]): Promise<GlAccount[]>;
  /** Accounts per create request. */
  readonly createCap?: number;
}

/** Where payments are posted on the ledger (Xero: a bank account or one with payments enabled). */
export interface PaymentAccountRef {
  code?: string | undefined;
  id?: string | undefined;
}

export interface Readers {
  vendor: EntityReader<Vendor>;
  bill: EntityReader<Bill>;
  payment: EntityReader<BillPaymentApplication>;
}

export interface Writers {
  vendor: EntityWriter<VendorPayload>;
  bill: EntityWriter<BillPayload>;
  payment: EntityWriter<PaymentPayload, PaymentAccountRef>;
}

/** Vendors on a target as duplicate detection and reconcile read them. */
export interface VendorDirectory {
  iterate(): AsyncIterable<VendorIndexEntry[]>;
  /** The currency each vendor's bills are in (vendor id → currency); a vendor the system does not have is left out. */
  currencies(vendorIds: readonly string[]): Promise<Map<string, string>>;
}

/** Bills on a target as edits, voids and reconcile read them. */
export interface BillDirectory {
  /** Every bill (reconcile). */
  iterate(): AsyncIterable<BillSummary[]>;
  /** The target's current view of these bills (lines, payment activity). */
  states(ids: readonly string[]): Promise<TargetBillState[]>;
}

/** One system as the engine sees it, bound to one tenant or organisation. */
export interface SystemPort {
  readonly system: SystemId;
  /**
   * Ends what the port holds open at the vendor, once the run that opened it is over: a login
   * session that counts against a licence (Acumatica's API users) is signed out. Absent: nothing to end.
   */
  close?(): Promise<void>;
  /** The tenant, company or organisation id, for audit, limits and tenant pinning. */
  readonly tenantId: string;
  readonly chart: ChartPort;
  readonly read: Partial<Readers>;
  readonly write: Partial<Writers>;
  readonly departments?: { list(): Promise<Department[]> };
  /** Departments or dimensions as the ledger carries them on lines (Xero tracking categories), for mapping screens. */
  readonly dimensionCategories?: { list(): Promise<{ name: string; options: string[] }[]> };
  readonly vendorDirectory?: VendorDirectory;
  readonly billDirectory?: BillDirectory;
  /** What changed on this system since a time, for the poll's validation of what the connector wrote there (ChangeFeed). */
  readonly changes?: ChangeFeed;
}

/** One record of a change listing; the same id and version read twice is the same change. */
export interface ChangedRecord {
  /** The engine's entity name ('vendor', 'bill', …). */
  entity: string;
  id: string;
  /** Opaque: a new change to the record has a new version (QBO: its SyncToken, or 'deleted'). */
  version: string;
  /** When the system stamped the change (ISO 8601), when it says. */
  at: string | null;
  deleted: boolean;
}

/**
 * Records of a target created, changed or deleted since a time, whoever changed them, read on the
 * poll so what webhooks missed is still validated (engine/validate-changes.ts). Optional: a system
 * without it is validated on webhooks only.
 */
export interface ChangeFeed {
  /** `since` null: every record (a link whose validation has no cursor yet). `via` names how it was read, for the run's counts. */
  changedSince(entities: readonly (keyof Readers & string)[], since: Date | null): Promise<{ records: ChangedRecord[]; via: string }>;
}

/** The two sides of a link: its ledger and its payables system (BILL). A pair's steps say which reads and which writes. */
export type Side = 'erp' | 'bill';
export type LinkSides = Readonly<Record<Side, SystemPort>>;

/** Closes both sides of a link; a side that fails to close is logged by the caller, never fails the run. */
export async function closeSides(sides: LinkSides | null, onError: (system: string, e: unknown) => void): Promise<void> {
  if (!sides) return;
  await Promise.all(Object.values(sides).map((side) => side.close?.().catch((e: unknown) => onError(side.system, e))));
}
