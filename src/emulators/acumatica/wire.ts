/**
 * Acumatica's JSON representation [AIR:IS__con_REST_Entity_Representation_in_JSON.md] [AOAS Entity]:
 * every field as `{"value": …}` (a field without a value as `{}`), system fields `id`, `rowNumber`,
 * `note` (wrapped) and `custom` unwrapped, linked entities as nested objects and detail collections
 * as arrays — both only with `$expand` [AIR:IntegrationDev_RESTExample_Parameter_expand.md].
 */
import type { EntityShape, FieldType } from './fields.ts';
import type { EntityRecord, Scalar } from './model.ts';

type Wrapped = { value?: Scalar; error?: string };
export type WireObject = Record<string, unknown>;

/** An ISO 8601 instant with an explicit offset, as Acumatica writes DateTimeValue. */
export function wireDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

export function wrapValue(type: FieldType, value: Scalar | undefined): Wrapped {
  if (value === null || value === undefined) return {};
  if (type === 'decimal' || type === 'int') return { value: Number(value) };
  if (type === 'datetime' && typeof value === 'string' && !Number.isNaN(Date.parse(value))) return { value: wireDateTime(Date.parse(value)) };
  return { value };
}

export interface RenderOptions {
  /** Top-level fields to include (null: all the record has). */
  select: Set<string> | null;
  /** Detail and linked names to include. */
  expand: Set<string>;
  rowNumber: number;
  /** Per-field errors to put on the fields (a 422 echo). */
  errors?: Record<string, string>;
}

/** Linked entities nested inside a linked entity (a contact's Address) carry a fixed id: they are part of it. */
const nestedId = '00000000-0000-0000-0000-000000000001';

function renderFields(types: Record<string, FieldType | Record<string, FieldType>>, values: Record<string, unknown>, include: (f: string) => boolean, errors: Record<string, string> = {}): WireObject {
  const out: WireObject = {};
  for (const [name, type] of Object.entries(types)) {
    if (!include(name)) continue;
    if (typeof type === 'object') {
      const nested = values[name];
      if (nested && typeof nested === 'object') out[name] = { id: nestedId, rowNumber: 1, ...renderFields(type, nested as Record<string, unknown>, () => true), custom: {} };
      continue;
    }
    if (!(name in values) && !(name in errors)) continue;
    const w = wrapValue(type, values[name] as Scalar | undefined);
    if (errors[name]) w.error = errors[name];
    out[name] = w;
  }
  return out;
}

export function renderRecord(shape: EntityShape, rec: EntityRecord, opts: RenderOptions): WireObject {
  const include = (f: string) => opts.select === null || opts.select.has(f);
  const out: WireObject = { id: rec.id, rowNumber: opts.rowNumber, note: { value: rec.note } };
  Object.assign(out, renderFields(shape.fields, rec.fields, include, opts.errors));
  for (const [name, types] of Object.entries(shape.linked)) {
    if (!opts.expand.has(name) || !rec.linked[name]) continue;
    out[name] = { id: `${rec.id.slice(0, 24)}${name.length.toString(16).padStart(12, '0')}`, rowNumber: 1, ...renderFields(types, rec.linked[name]!, () => true), custom: {} };
  }
  for (const [name, types] of Object.entries(shape.details)) {
    if (!opts.expand.has(name)) continue;
    out[name] = (rec.details[name] ?? []).map((row, i) => {
      const prefix = `${name}[${i}].`;
      const rowErrors = Object.fromEntries(Object.entries(opts.errors ?? {}).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
      return { id: row.id, rowNumber: i + 1, note: { value: '' }, ...renderFields(types, row.fields, () => true, rowErrors), custom: {} };
    });
  }
  if (opts.errors?.['']) out.error = opts.errors[''];
  out.custom = {};
  return out;
}

/** Parses `$select` / `$expand` lists ("Details,MainContact/Address"): the top-level names. */
export function nameList(param: string | undefined): Set<string> | null {
  if (param === undefined || param.trim() === '') return null;
  return new Set(param.split(',').map((p) => p.trim().split('/')[0]!).filter(Boolean));
}
