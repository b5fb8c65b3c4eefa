/**
 * List operations (reference A9, [BD:search-op-with-lists], [BD:filterable-fields], [BD:sortable-fields]):
 * `max` (default 20, at most 100; larger values are refused, not clamped), opaque `nextPage`/`prevPage`
 * tokens passed back as `page`, `filters=field:op:value[,...]` (comma = AND) checked against a per-entity
 * whitelist of fields and operators, and `sort=field:asc|desc`. Any other query parameter, an unknown
 * field or operator, or a malformed value is BDC_1002 (BILL's code for a bad or misspelt parameter, A10).
 */
import { createHash } from 'node:crypto';
import { badRequest } from './errors.ts';
import type { ListEndStyle } from './options.ts';
import { isValidDate, parseFilterTime } from './time.ts';

export type Op = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin' | 'sw';
const allOps: readonly Op[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'sw'];

/** How a field's filter value is read: text, true/false, an epoch-ms time, or a yyyy-MM-dd date. */
export type FieldKind = 'string' | 'boolean' | 'time' | 'date';
type Scalar = string | number | boolean | undefined;

export interface FilterField<T> {
  ops: readonly Op[];
  kind: FieldKind;
  /** A value, or several (a bill matches `classifications.chartOfAccountId` through any of its lines). */
  get: (record: T) => Scalar | Scalar[];
}

export interface ListSpec<T> {
  entity: string;
  filters: Record<string, FilterField<T>>;
  sorts: Record<string, (record: T) => Scalar>;
  id: (record: T) => string;
  created: (record: T) => number;
  archived?: (record: T) => boolean;
}

export interface ListSettings {
  endStyle: ListEndStyle;
  /** Webhook lists page forward only (A9). */
  forwardOnly?: boolean;
  /** Include archived records unless an `archived` filter is given (A14.8). */
  includeArchived: boolean;
  /** Extra query parameters this endpoint takes besides max/page/filters/sort. */
  extraParams?: readonly string[];
}

export interface Page<T> {
  results: T[];
  nextPage?: string | null;
  prevPage?: string | null;
}

interface Filter {
  field: string;
  op: Op;
  values: string[];
}

function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}

/** Splits on commas outside double quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (quoted) throw badRequest(`filters has an unclosed quote: ${text}`);
  parts.push(current);
  return parts;
}

export function parseFilters(text: string): Filter[] {
  const filters: Filter[] = [];
  for (const part of splitTopLevel(text)) {
    const m = /^([A-Za-z][A-Za-z0-9.]*):([a-z]+):(.*)$/s.exec(part);
    const last = filters[filters.length - 1];
    if (!m) {
      // `vendorId:in:a,b` without quotes: the pieces after the first belong to the same list.
      if (last && (last.op === 'in' || last.op === 'nin') && part !== '' && !part.includes(':')) {
        last.values.push(part);
        continue;
      }
      throw badRequest(`Invalid filter '${part}'. Use filters=field:op:value.`, [{ name: 'filters', value: text }]);
    }
    const [, field, op, raw] = m as unknown as [string, string, string, string];
    if (!allOps.includes(op as Op)) throw badRequest(`Unknown filter operator '${op}'.`, [{ name: 'filters', value: text }]);
    const value = unquote(raw);
    const values = op === 'in' || op === 'nin' ? value.split(',') : [value];
    filters.push({ field, op: op as Op, values });
  }
  return filters;
}

function compare(a: Scalar, b: Scalar): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a < b ? -1 : 1;
}

function coerce(kind: FieldKind, field: string, raw: string): Scalar {
  if (kind === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw badRequest(`Filter value for ${field} must be true or false.`);
    return raw === 'true';
  }
  if (kind === 'time') {
    const t = parseFilterTime(raw);
    if (t === null) throw badRequest(`Filter value for ${field} is not a supported date-time: ${raw}.`);
    return t;
  }
  if (kind === 'date' && !isValidDate(raw)) throw badRequest(`Filter value for ${field} must be a date in yyyy-MM-dd format.`);
  return raw;
}

function matchOne(op: Op, value: Scalar, targets: Scalar[]): boolean {
  const t = targets[0];
  switch (op) {
    case 'eq':
      return value === t;
    case 'ne':
      return value !== t;
    case 'gt':
      return value !== undefined && compare(value, t) > 0;
    case 'gte':
      return value !== undefined && compare(value, t) >= 0;
    case 'lt':
      return value !== undefined && compare(value, t) < 0;
    case 'lte':
      return value !== undefined && compare(value, t) <= 0;
    case 'in':
      return targets.includes(value);
    case 'nin':
      return !targets.includes(value);
    case 'sw':
      return typeof value === 'string' && typeof t === 'string' && value.startsWith(t);
  }
}

function compileFilters<T>(spec: ListSpec<T>, filters: Filter[]): (record: T) => boolean {
  const checks = filters.map((f) => {
    const field = spec.filters[f.field];
    if (!field) throw badRequest(`Field '${f.field}' cannot be filtered on ${spec.entity}.`, [{ name: 'filters', value: f.field }]);
    if (!field.ops.includes(f.op)) {
      throw badRequest(`Operator '${f.op}' is not supported for ${spec.entity} field '${f.field}'.`, [{ name: 'filters', value: f.field }]);
    }
    const targets = f.values.map((v) => coerce(field.kind, f.field, v));
    // For several values (lines), a positive operator matches when any value does; ne/nin when none is excluded.
    const negative = f.op === 'ne' || f.op === 'nin';
    return (record: T) => {
      const got = field.get(record);
      const values = Array.isArray(got) ? got : [got];
      if (values.length === 0) return negative;
      return negative ? values.every((v) => matchOne(f.op, v, targets)) : values.some((v) => matchOne(f.op, v, targets));
    };
  });
  return (record) => checks.every((c) => c(record));
}

function compileSort<T>(spec: ListSpec<T>, text: string | undefined): (a: T, b: T) => number {
  const keys = (text ? text.split(',') : []).map((part) => {
    const [field = '', dir = 'asc', extra] = part.split(':');
    const get = spec.sorts[field];
    if (!get || extra !== undefined) throw badRequest(`Cannot sort ${spec.entity} by '${part}'.`, [{ name: 'sort', value: text ?? '' }]);
    if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Sort order must be asc or desc, got '${dir}'.`);
    return { get, sign: dir === 'asc' ? 1 : -1 };
  });
  // Default order is creation order; the id breaks ties so pages never shuffle between calls.
  return (a, b) => {
    for (const k of keys) {
      const c = compare(k.get(a), k.get(b)) * k.sign;
      if (c !== 0) return c;
    }
    if (keys.length === 0) {
      const c = spec.created(a) - spec.created(b);
      if (c !== 0) return c;
    }
    return compare(spec.id(a), spec.id(b));
  };
}

function fingerprint(entity: string, query: Record<string, string>): string {
  return createHash('sha256').update(`${entity}\n${query.filters ?? ''}\n${query.sort ?? ''}`).digest('base64url').slice(0, 12);
}

function encodeToken(offset: number, fp: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fp })).toString('base64url');
}

function decodeToken(token: string, fp: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; f?: unknown };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.f === fp) return parsed.o;
  } catch {
    // fall through to the error below
  }
  throw badRequest('Invalid page token. Pass back nextPage or prevPage unchanged, with the same filters and sort.', [
    { name: 'page', value: token },
  ]);
}

export function parseMax(raw: string | undefined): number {
  if (raw === undefined) return 20;
  if (!/^\d+$/.test(raw)) throw badRequest(`max must be a whole number between 1 and 100, got '${raw}'.`);
  const max = Number(raw);
  if (max < 1 || max > 100) throw badRequest(`max must be between 1 and 100, got ${max}.`, [{ name: 'max', value: raw }]);
  return max;
}

/** One page of `records` for the query, with paging tokens. */
export function listPage<T>(records: Iterable<T>, query: Record<string, string>, spec: ListSpec<T>, settings: ListSettings): Page<T> {
  const known = ['max', 'page', 'filters', 'sort', ...(settings.extraParams ?? [])];
  for (const k of Object.keys(query)) {
    if (!known.includes(k)) throw badRequest(`Unknown query parameter '${k}'.`, [{ name: k, value: query[k] ?? '' }]);
  }
  const max = parseMax(query.max);
  const filters = query.filters ? parseFilters(query.filters) : [];
  const match = compileFilters(spec, filters);
  const order = compileSort(spec, query.sort);
  const hideArchived = !settings.includeArchived && spec.archived && !filters.some((f) => f.field === 'archived');
  const all = [...records].filter((r) => match(r) && !(hideArchived && spec.archived!(r))).sort(order);
  const fp = fingerprint(spec.entity, query);
  const offset = query.page !== undefined ? decodeToken(query.page, fp) : 0;
  const results = all.slice(offset, offset + max);
  const end = settings.endStyle === 'omit' ? undefined : settings.endStyle === 'null' ? null : '';
  const page: Page<T> = { results };
  const next = offset + max < all.length ? encodeToken(offset + max, fp) : end;
  const prev = offset > 0 ? encodeToken(Math.max(0, offset - max), fp) : end;
  if (next !== undefined) page.nextPage = next;
  if (!settings.forwardOnly && prev !== undefined) page.prevPage = prev;
  return page;
}

/** Serialises a page, keeping the envelope keys in BILL's order. */
export function pageBody<T, V>(page: Page<T>, view: (record: T) => V): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if ('nextPage' in page) out.nextPage = page.nextPage;
  if ('prevPage' in page) out.prevPage = page.prevPage;
  out.results = page.results.map(view);
  return out;
}

/** Operator sets used by the entity whitelists. */
export const ops = {
  id: ['eq', 'ne', 'in'] as const,
  bool: ['eq', 'ne'] as const,
  time: ['gt', 'gte', 'lt', 'lte'] as const,
  enumAll: ['eq', 'ne', 'in', 'nin'] as const,
  enumPos: ['eq', 'ne', 'in'] as const,
  name: ['eq', 'sw'] as const,
} satisfies Record<string, readonly Op[]>;
