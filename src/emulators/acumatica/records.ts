/** Finding records by key fields or id, listing with the retrieval parameters, and rendering them. */
import { computedFields, keyFields, shapes } from './fields.ts';
import { parseFilter } from './filter.ts';
import { AcumaticaError, table, type EntityRecord, type Tenant } from './model.ts';
import { nameList, renderRecord, wireDateTime, type WireObject } from './wire.ts';

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const recordKey = (values: readonly string[]): string => values.map((v) => v.toUpperCase()).join('|');

export function keyOf(entity: string, rec: EntityRecord): string {
  return recordKey((keyFields[entity] ?? []).map((k) => String(rec.fields[k] ?? '')));
}

export function findById(tenant: Tenant, entity: string, id: string): EntityRecord | undefined {
  for (const rec of table(tenant, entity).values()) if (rec.id.toLowerCase() === id.toLowerCase()) return rec;
  return undefined;
}

export function findByKeys(tenant: Tenant, entity: string, keys: readonly string[]): EntityRecord | undefined {
  return table(tenant, entity).get(recordKey(keys));
}

/** The record a URL tail names: one GUID, or the key values in form order (`/` or `|` between them). */
export function findByPath(tenant: Tenant, entity: string, tail: string): EntityRecord | undefined {
  const parts = tail.split(/[/|]/).map((p) => decodeURIComponent(p));
  if (parts.length === 1 && GUID.test(parts[0]!)) return findById(tenant, entity, parts[0]!);
  if (parts.length !== (keyFields[entity] ?? []).length) return undefined;
  return findByKeys(tenant, entity, parts);
}

/** The record's system-kept timestamps as fields, so they render and filter like the others. */
export function stamp(entity: string, rec: EntityRecord): void {
  const fields = shapes[entity]!.fields;
  if ('LastModifiedDateTime' in fields) rec.fields.LastModifiedDateTime = wireDateTime(rec.modifiedAt);
  if ('CreatedDateTime' in fields) rec.fields.CreatedDateTime = wireDateTime(rec.createdAt);
}

export interface Retrieval {
  $filter?: string;
  $top?: string;
  $skip?: string;
  $select?: string;
  $expand?: string;
}

function count(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new AcumaticaError(400, `The value of ${name} must be a non-negative integer.`);
  return Number(text);
}

export function render(entity: string, rec: EntityRecord, q: Retrieval, rowNumber = 1, extraSelect: string[] = [], errors?: Record<string, string>): WireObject {
  const selected = nameList(q.$select);
  const select = selected === null ? (extraSelect.length ? new Set(extraSelect) : null) : new Set([...selected, ...extraSelect]);
  return renderRecord(shapes[entity]!, rec, { select, expand: nameList(q.$expand) ?? new Set(), rowNumber, ...(errors ? { errors } : {}) });
}

/** `GET /<Entity>`: filter, then `$skip` before `$top` [AIR:IntegrationDev_RESTExample_Parameter_skip.md]; no `$top` means all. */
export function list(tenant: Tenant, entity: string, q: Retrieval): WireObject[] {
  const predicate = parseFilter(q.$filter);
  const skip = count('$skip', q.$skip) ?? 0;
  const top = count('$top', q.$top);
  const rows = [...table(tenant, entity).values()].filter(predicate).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  const page = rows.slice(skip, top === undefined ? undefined : skip + top);
  return page.map((rec, i) => render(entity, rec, q, skip + i + 1));
}

/** The fields a PUT answers with when no `$select` is given: those sent or set by the save, the keys and the status. */
export function answerFields(entity: string, sent: string[]): string[] {
  return [...new Set([...(keyFields[entity] ?? []), ...sent, ...[...(computedFields[entity] ?? []), 'Status'].filter((f) => f in shapes[entity]!.fields)])];
}
