import { Rng } from '../kit/rng.ts';
import { qboTime } from './errors.ts';

/**
 * One QBO company (realm): its entities by type and Id, the deletions CDC reports, and the change
 * events webhooks announce. Ids are per-company sequence numbers as QBO's are (strings of digits);
 * records are plain JSON objects in the wire shape, replaced (never mutated) on every write.
 */

export const ENTITIES = ['Vendor', 'Account', 'PurchaseOrder', 'Bill', 'BillPayment', 'Class', 'Department', 'Item'] as const;
export type EntityName = (typeof ENTITIES)[number];
/** Transactions are deleted with `?operation=delete`; name-list entities are made inactive instead (B6). */
export const DELETABLE: ReadonlySet<EntityName> = new Set(['PurchaseOrder', 'Bill', 'BillPayment']);

export const isEntity = (name: string): name is EntityName => (ENTITIES as readonly string[]).includes(name);

export type QboRecord = Record<string, unknown> & { Id: string; SyncToken: string };

export interface StoredRecord {
  data: QboRecord;
  createdAt: number;
  updatedAt: number;
}

export interface Deletion {
  entity: EntityName;
  id: string;
  at: number;
  createdAt: number;
}

export interface ChangeEvent {
  realmId: string;
  name: EntityName;
  id: string;
  operation: 'Create' | 'Update' | 'Delete';
  at: number;
}

export class Realm {
  readonly records = new Map<EntityName, Map<string, StoredRecord>>(ENTITIES.map((e) => [e, new Map()]));
  readonly deletions: Deletion[] = [];
  /** Whether the company warns on a reused bill number (Preferences `WarnDuplicateBillNumber`, B6). */
  warnDuplicateBillNumber = true;
  private nextId = 1;
  readonly rng: Rng;
  /**
   * Records a running batch made, as `Entity|Id`: later items of the same batch cannot reference,
   * read or query them (B4 [QBATCH]: "a later item cannot see objects created by an earlier
   * item"); uniqueness rules still count them. Null outside a batch.
   */
  hiddenInBatch: Set<string> | null = null;

  constructor(
    readonly realmId: string,
    readonly companyName: string,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  newId(): string {
    return String(this.nextId++);
  }

  table(entity: EntityName): Map<string, StoredRecord> {
    return this.records.get(entity)!;
  }

  get(entity: EntityName, id: string): QboRecord | undefined {
    if (this.hiddenInBatch?.has(`${entity}|${id}`)) return undefined;
    return this.table(entity).get(id)?.data;
  }

  /** Every record, those a running batch made included (uniqueness holds across a batch). */
  all(entity: EntityName): QboRecord[] {
    return [...this.table(entity).values()].map((s) => s.data);
  }

  /** What a query sees: inside a batch, not what the batch made. */
  visible(entity: EntityName): QboRecord[] {
    const hidden = this.hiddenInBatch;
    return hidden ? this.all(entity).filter((r) => !hidden.has(`${entity}|${r.Id}`)) : this.all(entity);
  }

  /** Stores a new record with its first SyncToken and MetaData. */
  insert(entity: EntityName, fields: Record<string, unknown>, now: number): QboRecord {
    const id = typeof fields.Id === 'string' ? fields.Id : this.newId();
    const data = { ...fields, Id: id, SyncToken: '0', domain: 'QBO', sparse: false, MetaData: { CreateTime: qboTime(now), LastUpdatedTime: qboTime(now) } } as QboRecord;
    this.table(entity).set(id, { data: order(data), createdAt: now, updatedAt: now });
    return this.table(entity).get(id)!.data;
  }

  /** Replaces a record, incrementing its SyncToken (B4: every modification increments it). */
  replace(entity: EntityName, id: string, fields: Record<string, unknown>, now: number): QboRecord {
    const stored = this.table(entity).get(id)!;
    const meta = stored.data.MetaData as { CreateTime: string };
    const data = { ...fields, Id: id, SyncToken: String(Number(stored.data.SyncToken) + 1), domain: 'QBO', sparse: false, MetaData: { CreateTime: meta.CreateTime, LastUpdatedTime: qboTime(now) } } as QboRecord;
    this.table(entity).set(id, { data: order(data), createdAt: stored.createdAt, updatedAt: now });
    return this.table(entity).get(id)!.data;
  }

  remove(entity: EntityName, id: string, now: number): void {
    const stored = this.table(entity).get(id);
    if (!stored) return;
    this.table(entity).delete(id);
    this.deletions.push({ entity, id, at: now, createdAt: stored.createdAt });
  }
}

/** Id and SyncToken first, MetaData after them, as QBO writes its objects. */
function order(data: QboRecord): QboRecord {
  const { Id, SyncToken, domain, sparse, MetaData, ...rest } = data;
  return { ...rest, domain, sparse, Id, SyncToken, MetaData } as QboRecord;
}

/** Every company the emulator serves: the sandbox company first and a second one no sandbox token reaches. */
export class QboState {
  realms = new Map<string, Realm>();

  replace(realms: Realm[]): void {
    this.realms = new Map(realms.map((r) => [r.realmId, r]));
  }

  realm(realmId: string): Realm | undefined {
    return this.realms.get(realmId);
  }

  get primary(): Realm {
    return [...this.realms.values()][0]!;
  }
}
