import { parseIfModifiedSince } from './dates.ts';
import { queryParse, type ApiResult } from './errors.ts';
import type { Json, Pagination } from './json.ts';
import { WhereError, compileOrder, compileWhere } from './where.ts';

/**
 * Reading lists the way Xero does (A4): `If-Modified-Since` against UpdatedDateUTC at one-second
 * precision, `where`, `order`, comma-separated id lists, and `page` (1-based) with `pageSize`
 * (default 100, at most 1000; XS `pageSize`, 2° for the maximum).
 */

export type Query = Record<string, string | undefined>;

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** Reads a comma-separated list parameter, accepting quoted items (`IDs="a","b"`). */
export function listParam(q: Query, name: string): string[] | null {
  const key = Object.keys(q).find((k) => k.toLowerCase() === name.toLowerCase());
  const raw = key === undefined ? undefined : q[key];
  if (raw === undefined || raw === '') return null;
  return raw
    .split(',')
    .map((s) => s.trim().replace(/^"(.*)"$/, '$1').trim())
    .filter(Boolean);
}

/** Case-insensitive query parameter lookup (Xero's parameters are not case-sensitive). */
export function param(q: Query, name: string): string | undefined {
  const key = Object.keys(q).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : q[key];
}

export const boolParam = (q: Query, name: string): boolean => param(q, name)?.toLowerCase() === 'true';

/** Keeps records changed at or after the header's second (XRR: "accurate to the second"). */
export function modifiedSince<T extends { UpdatedDateUTC: number }>(records: T[], header: string | undefined): T[] {
  const since = parseIfModifiedSince(header);
  // A malformed value never reaches a handler: the pipeline answers 400 first (api.ts).
  if (since === null || since === 'malformed') return records;
  const floor = Math.floor(since / 1000);
  return records.filter((r) => Math.floor(r.UpdatedDateUTC / 1000) >= floor);
}

export interface Listed {
  items: Json[];
  pagination?: Pagination;
}

/**
 * Applies `where`, `order` and paging to rendered records. Paging applies when `page` (or
 * `pageSize`) is given; without it Xero returns every matching record and no pagination object.
 */
export function filterSortPage(rendered: Json[], q: Query, opts: { paged: boolean }): Listed | ApiResult {
  let items = rendered;
  try {
    const where = param(q, 'where');
    if (where !== undefined && where.trim() !== '') {
      const test = compileWhere(where);
      items = items.filter(test);
    }
    const order = param(q, 'order');
    if (order !== undefined && order.trim() !== '') items = [...items].sort(compileOrder(order));
  } catch (e) {
    if (e instanceof WhereError) return queryParse(e.message);
    throw e;
  }
  const pageRaw = param(q, 'page');
  const sizeRaw = param(q, 'pageSize');
  if (!opts.paged || (pageRaw === undefined && sizeRaw === undefined)) return { items };
  const page = Math.max(1, Number.parseInt(pageRaw ?? '1', 10) || 1);
  const sizeParsed = Number.parseInt(sizeRaw ?? String(DEFAULT_PAGE_SIZE), 10);
  const pageSize = Math.min(MAX_PAGE_SIZE, sizeParsed > 0 ? sizeParsed : DEFAULT_PAGE_SIZE);
  const itemCount = items.length;
  const pageCount = Math.ceil(itemCount / pageSize);
  return {
    items: items.slice((page - 1) * pageSize, page * pageSize),
    pagination: { page, pageSize, pageCount, itemCount },
  };
}

export const isResult = (x: Listed | ApiResult): x is ApiResult => 'status' in x;

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
