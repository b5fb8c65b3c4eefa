/**
 * The emulator's records: one tenant holds its users, branches and one table per entity. A record
 * keeps its field values unwrapped (the wire's `{"value": …}` is added when it is written out, see
 * wire.ts); decimals are kept as strings so money is never float arithmetic (money.ts).
 */

export type Scalar = string | number | boolean | null;

/** One row of a detail collection (BillDetail, CheckDetail, ...): its own `id` and fields. */
export interface DetailRow {
  id: string;
  fields: Record<string, Scalar>;
}

export interface EntityRecord {
  /** The record's GUID (`id` on the wire; also its NoteID). */
  id: string;
  fields: Record<string, Scalar>;
  /** Linked entities (Vendor.MainContact): nested field maps, shown only with `$expand`. */
  linked: Record<string, Record<string, unknown>>;
  details: Record<string, DetailRow[]>;
  note: string;
  createdAt: number;
  modifiedAt: number;
}

export interface TenantUser {
  name: string;
  password: string;
}

export interface Branch {
  id: string;
  name: string;
  company: string;
}

export interface PushSubscription {
  url: string;
  /** The one custom header a webhook destination may carry (SM302000), e.g. an auth token. */
  headerName?: string;
  headerValue?: string;
}

export interface Tenant {
  name: string;
  users: TenantUser[];
  branches: Branch[];
  tables: Map<string, Map<string, EntityRecord>>;
  /** Next number per numbering sequence (bill types, checks, vendors). */
  numbering: Map<string, number>;
  push?: PushSubscription;
}

export function newTenant(name: string, users: TenantUser[], branches: Branch[]): Tenant {
  return { name, users, branches, tables: new Map(), numbering: new Map() };
}

export function table(tenant: Tenant, entity: string): Map<string, EntityRecord> {
  let t = tenant.tables.get(entity);
  if (!t) {
    t = new Map();
    tenant.tables.set(entity, t);
  }
  return t;
}

/**
 * The next number of a sequence, six digits zero-padded as Acumatica's default numbering sequences;
 * numbers a caller already gave a record (`taken`) are skipped, so numbering never lands on one.
 */
export function nextNumber(tenant: Tenant, sequence: string, prefix = '', taken: (nbr: string) => boolean = () => false): string {
  let n = tenant.numbering.get(sequence) ?? 0;
  let nbr: string;
  do {
    n += 1;
    nbr = `${prefix}${String(n).padStart(6, '0')}`;
  } while (taken(nbr));
  tenant.numbering.set(sequence, n);
  return nbr;
}

/** Whether any record of the entity has this value in `field` (a document number already used). */
export function numberTaken(tenant: Tenant, entity: string, field: string): (nbr: string) => boolean {
  return (nbr) => [...table(tenant, entity).values()].some((r) => String(r.fields[field] ?? '').toUpperCase() === nbr);
}

/** Thrown by business rules: an HTTP status with Acumatica's answer body. */
export class AcumaticaError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** Per-field validation errors of a write (the 422 echo puts each on its field). */
export type FieldErrors = Record<string, string>;
