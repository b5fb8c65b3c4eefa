import { z } from 'zod';
import { decimalAmount } from '../decimal-amount.ts';

/**
 * Acumatica's record representation, in one place: every field that is not a system field travels
 * as `{"value": …}` (StringValue, DecimalValue, BooleanValue, IntValue, DateTimeValue, ... each
 * `{value, error?}`), while `id`, `rowNumber`, `custom`, `error`, `files` and a detail's `delete`
 * travel bare; a linked entity is a nested object and a detail collection an array of objects
 * (Entity Representation in JSON; the Default/24.200.001 swagger's Entity and *Value schemas).
 * A field sent without a value arrives as `{}` (or `{"value": null}`): both read as absent.
 */

/** Keys sent and read as they are, never wrapped. */
const systemKeys = new Set(['id', 'rowNumber', 'custom', 'error', 'files', 'delete', '_links']);

export type PlainValue = string | number | boolean | null;
/** A record to send, with plain values; `wrapRecord` gives its wire form. */
export interface PlainRecord {
  [field: string]: PlainValue | undefined | PlainRecord | PlainRecord[];
}

/**
 * Wraps every value of a record for a request body: scalars become `{"value": v}`, linked
 * entities and detail rows are wrapped the same way, undefined fields are left out.
 */
export function wrapRecord(record: PlainRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(record)) {
    if (v === undefined) continue;
    if (systemKeys.has(key)) out[key] = v;
    else if (Array.isArray(v)) out[key] = v.map(wrapRecord);
    else if (v !== null && typeof v === 'object') out[key] = wrapRecord(v);
    else out[key] = { value: v };
  }
  return out;
}

/** Reads one wrapped field as its bare value (undefined when absent or valueless). */
export function unwrapped<T extends z.ZodType>(inner: T) {
  return z
    .object({ value: inner.optional(), error: z.string().optional() })
    .optional()
    .transform((w) => w?.value as z.output<T> | undefined);
}

export const stringValue = unwrapped(z.string());
/** DecimalValue as exact decimal text (decimal-amount.ts): money is never float arithmetic. */
export const decimalValue = unwrapped(decimalAmount);
export const booleanValue = unwrapped(z.boolean());
export const intValue = unwrapped(z.number().int());
/** DateTimeValue: ISO 8601 text, usually with the instance's offset ("2024-07-15T10:31:28.402+03:00"). */
export const dateTimeValue = unwrapped(z.string());

/**
 * The yyyy-MM-dd a DateTimeValue names, as the instance wrote it (its own date, not UTC's). The
 * official examples write both ISO 8601 and MM/DD/YYYY, so both are read.
 */
export function datePart(value: string | undefined): string | undefined {
  const text = value?.trim() ?? '';
  const iso = /^(\d{4}-\d{2}-\d{2})/.exec(text);
  if (iso) return iso[1];
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})/.exec(text);
  return us ? `${us[3]}-${us[1]!.padStart(2, '0')}-${us[2]!.padStart(2, '0')}` : undefined;
}

/** Per-field `error` strings of a record Acumatica echoed with a 422, as `path: message` (`Details[1].Account: …`). */
export function fieldErrors(record: unknown, path = ''): string[] {
  if (!record || typeof record !== 'object') return [];
  if (Array.isArray(record)) return record.flatMap((row, i) => fieldErrors(row, `${path}[${i}]`));
  const out: string[] = [];
  for (const [key, v] of Object.entries(record as Record<string, unknown>)) {
    if (key === 'error' && typeof v === 'string' && v.trim()) out.push(`${path || '(record)'}: ${v.trim()}`);
    else if (v && typeof v === 'object' && !systemKeys.has(key)) out.push(...fieldErrors(v, path ? `${path}.${key}` : key));
  }
  return out;
}
