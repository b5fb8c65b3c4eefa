/**
 * Reads a request body in Acumatica's representation: each field must come wrapped as
 * `{"value": …}` [AIR:IS__con_REST_Entity_Representation_in_JSON.md]; only the fields sent are
 * processed [AIR:IntegrationDev_RESTExample_Basic_Create_Record.md]. A bare value or a field the
 * entity does not have is a 400 (choice: Acumatica's exact answer is unverified); a value of the
 * wrong type is a per-field error for the 422 echo.
 */
import type { EntityShape, FieldType } from './fields.ts';
import { AcumaticaError, type FieldErrors, type Scalar } from './model.ts';
import { toCents, fromCents } from './money.ts';

export interface InputRow {
  id?: string;
  delete: boolean;
  fields: Record<string, Scalar>;
}

export interface ParsedInput {
  id?: string;
  note?: string;
  fields: Record<string, Scalar>;
  linked: Record<string, Record<string, unknown>>;
  details: Record<string, InputRow[]>;
  errors: FieldErrors;
}

const systemFields = new Set(['id', 'rowNumber', 'note', 'custom', 'error', 'files', '_links', 'delete']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Dates arrive as ISO or as the `MM/DD/YYYY` of Acumatica's examples [AIR:IntegrationDev_RESTExample_Bill_CreateWithOverridingTaxes.md]. */
export function parseDateTime(text: string): number | null {
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text.trim());
  if (us) return Date.UTC(Number(us[3]), Number(us[1]) - 1, Number(us[2]));
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const ms = Date.parse(/T/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? `${text}Z` : text);
  return Number.isNaN(ms) ? null : ms;
}

function coerce(type: FieldType, value: unknown): { ok: true; value: Scalar } | { ok: false; error: string } {
  if (value === null) return { ok: true, value: null };
  if (type === 'string') return typeof value === 'string' ? { ok: true, value } : typeof value === 'number' ? { ok: true, value: String(value) } : { ok: false, error: 'The value must be a string.' };
  if (type === 'boolean') {
    if (typeof value === 'boolean') return { ok: true, value };
    if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
    return { ok: false, error: 'The value must be a boolean.' };
  }
  if (type === 'int') {
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isInteger(n) ? { ok: true, value: n } : { ok: false, error: 'The value must be an integer.' };
  }
  if (type === 'decimal') {
    const cents = typeof value === 'number' || typeof value === 'string' ? toCents(value) : null;
    return cents === null ? { ok: false, error: 'The value must be a number.' } : { ok: true, value: fromCents(cents) };
  }
  const ms = typeof value === 'string' ? parseDateTime(value) : null;
  return ms === null ? { ok: false, error: `'${String(value)}' is not a valid date.` } : { ok: true, value: new Date(ms).toISOString() };
}

function readFields(types: Record<string, unknown>, body: Record<string, unknown>, where: string, errors: FieldErrors, errorPrefix = ''): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const [name, raw] of Object.entries(body)) {
    if (systemFields.has(name)) continue;
    const type = types[name];
    if (type === undefined) throw new AcumaticaError(400, `${where} has no field '${name}'.`);
    if (typeof type === 'object') continue;
    if (!isObject(raw) || !('value' in raw)) throw new AcumaticaError(400, `The value of ${where}.${name} must be an object such as {"value": …}.`);
    const c = coerce(type as FieldType, raw.value);
    if (c.ok) out[name] = c.value;
    else errors[`${errorPrefix}${name}`] = c.error;
  }
  return out;
}

export function parseInput(entity: string, shape: EntityShape, body: unknown): ParsedInput {
  if (!isObject(body)) throw new AcumaticaError(400, 'The request body must be a JSON object representing the entity.');
  const errors: FieldErrors = {};
  const topTypes: Record<string, unknown> = { ...shape.fields, ...shape.linked };
  for (const name of Object.keys(shape.details)) topTypes[name] = {};
  const top = Object.fromEntries(Object.entries(body).filter(([k]) => !(k in shape.details)));
  const parsed: ParsedInput = { fields: readFields(topTypes, top, entity, errors), linked: {}, details: {}, errors };
  if (typeof body.id === 'string') parsed.id = body.id;
  if (isObject(body.note) && typeof body.note.value === 'string') parsed.note = body.note.value;
  for (const [name, types] of Object.entries(shape.linked)) {
    const raw = body[name];
    if (raw === undefined) continue;
    if (!isObject(raw)) throw new AcumaticaError(400, `${entity}.${name} must be an object.`);
    const nested: Record<string, unknown> = readFields(types, raw, `${entity}.${name}`, errors, `${name}.`);
    for (const [sub, subTypes] of Object.entries(types)) {
      if (typeof subTypes === 'object' && isObject(raw[sub])) nested[sub] = readFields(subTypes, raw[sub] as Record<string, unknown>, `${entity}.${name}.${sub}`, errors, `${name}.${sub}.`);
    }
    parsed.linked[name] = nested;
  }
  for (const [name, types] of Object.entries(shape.details)) {
    const raw = body[name];
    if (raw === undefined) continue;
    if (!Array.isArray(raw)) throw new AcumaticaError(400, `${entity}.${name} must be an array of detail records.`);
    parsed.details[name] = raw.map((row, i) => {
      if (!isObject(row)) throw new AcumaticaError(400, `${entity}.${name}[${i}] must be an object.`);
      const r: InputRow = { delete: row.delete === true, fields: readFields(types, row, `${entity}.${name}`, errors, `${name}[${i}].`) };
      if (typeof row.id === 'string') r.id = row.id;
      return r;
    });
  }
  return parsed;
}
