/**
 * What a save does per entity: where the record is found (its key fields in the body, or `id`)
 * [AIR:IntegrationDev_RESTExample_Basic_Create_Record.md], which values are refused (each a per-field
 * error for the 422 echo), and how the sent fields are merged: read-only fields are ignored, detail
 * rows with an `id` are updated, rows with `"delete": true` removed, others added
 * [AIR:IntegrationDev_RESTExample_Basic_Update_Record.md].
 */
import type { AcumaticaDeps } from './options.ts';
import { computedFields, keyFields } from './fields.ts';
import type { ParsedInput } from './input.ts';
import { table, type EntityRecord, type FieldErrors, type Scalar, type Tenant } from './model.ts';
import { findById, findByKeys, keyOf, recordKey } from './records.ts';

export interface SaveContext {
  deps: AcumaticaDeps;
  tenant: Tenant;
  existing: EntityRecord | undefined;
  input: ParsedInput;
}

export interface EntityRules {
  /** Refusals of this save (field name → message; '' for the record itself). */
  validate(c: SaveContext): FieldErrors;
  /** Creates or updates; the record's keys are set by now. */
  save(c: SaveContext): EntityRecord;
  /** Key values a new record takes when the body leaves them out (auto-numbering). */
  newKeys?(c: SaveContext): Record<string, string>;
  /** Whether DELETE may remove the record (e.g. not a released document). */
  deletable?(rec: EntityRecord): string | null;
}

/** The existing record the body names by `id` or by all its key fields. */
export function locate(tenant: Tenant, entity: string, input: ParsedInput): EntityRecord | undefined {
  if (input.id) return findById(tenant, entity, input.id);
  const keys = keyFields[entity] ?? [];
  const values = keys.map((k) => input.fields[k]);
  if (values.some((v) => v === undefined || v === null || v === '' || v === '<NEW>')) return undefined;
  return findByKeys(tenant, entity, values.map(String));
}

export function isTrue(v: Scalar | undefined): boolean {
  return v === true;
}

/** Merges the sent fields into a record (new or existing), leaving out the read-only ones. */
export function merge(deps: AcumaticaDeps, entity: string, rec: EntityRecord, input: ParsedInput): void {
  const computed = new Set(computedFields[entity] ?? []);
  for (const [k, v] of Object.entries(input.fields)) if (!computed.has(k)) rec.fields[k] = v;
  for (const [name, values] of Object.entries(input.linked)) {
    const cur = (rec.linked[name] ??= {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(values)) cur[k] = v && typeof v === 'object' ? { ...((cur[k] as object) ?? {}), ...(v as object) } : v;
  }
  if (input.note !== undefined) rec.note = input.note;
  for (const [name, rows] of Object.entries(input.details)) {
    if (computed.has(name)) continue;
    const current = (rec.details[name] ??= []);
    for (const row of rows) {
      const at = row.id ? current.findIndex((r) => r.id.toLowerCase() === row.id!.toLowerCase()) : -1;
      if (row.delete) {
        if (at >= 0) current.splice(at, 1);
      } else if (at >= 0) Object.assign(current[at]!.fields, row.fields);
      else current.push({ id: deps.state.newId(), fields: { ...row.fields } });
    }
  }
}

/** Creates the record (with its keys) or returns the existing one, then merges the input. */
export function upsert(c: SaveContext, entity: string, keys: Record<string, string>): EntityRecord {
  const now = c.deps.state.now();
  let rec = c.existing;
  if (!rec) {
    rec = { id: c.input.id ?? c.deps.state.newId(), fields: { ...keys }, linked: {}, details: {}, note: '', createdAt: now, modifiedAt: now };
    merge(c.deps, entity, rec, c.input);
    Object.assign(rec.fields, keys);
    table(c.tenant, entity).set(keyOf(entity, rec), rec);
  } else {
    // A record found by id keeps its key fields: renaming keys is a separate action in Acumatica.
    const keysBefore = Object.fromEntries((keyFields[entity] ?? []).map((k) => [k, rec!.fields[k]!]));
    merge(c.deps, entity, rec, c.input);
    Object.assign(rec.fields, keysBefore);
  }
  rec.modifiedAt = now;
  return rec;
}

export function requireText(errors: FieldErrors, field: string, value: Scalar | undefined, label = field): void {
  if (value === undefined || value === null || String(value).trim() === '') errors[field] = `'${label}' cannot be empty.`;
}

export function oneOf(errors: FieldErrors, field: string, value: Scalar | undefined, allowed: readonly string[]): void {
  if (value !== undefined && value !== null && !allowed.includes(String(value))) errors[field] = `'${String(value)}' is not a valid value for ${field}. Allowed: ${allowed.join(', ')}.`;
}

export function exists(tenant: Tenant, entity: string, key: Scalar | undefined): boolean {
  return key !== undefined && key !== null && table(tenant, entity).has(recordKey([String(key)]));
}
