import { ConnectorError } from '../../core/errors.ts';

/**
 * BILL list filters (https://developer.bill.com/docs/search-op-with-lists):
 * `filters=field:op:value[,field:op:value]` (comma = AND), strings and times in double quotes,
 * `in`/`nin` lists as one quoted comma-separated value: `vendorId:in:"009a,009b"`.
 */
export type BillFilterOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin' | 'sw';

export interface BillFilter {
  field: string;
  op: BillFilterOp;
  value: string | boolean | number | readonly string[];
}

function quoted(value: string, field: string): string {
  // BILL documents no escape for a quote inside a value; refuse rather than send a broken filter.
  if (value.includes('"')) throw new ConnectorError({ code: 'MLC_ERR_BUG', system: 'bill', message: `BILL filter value for ${field} contains a double quote` });
  return `"${value}"`;
}

export function encodeFilters(filters: readonly BillFilter[]): string | undefined {
  if (filters.length === 0) return undefined;
  return filters
    .map((f) => {
      const v = f.value;
      if (typeof v === 'boolean' || typeof v === 'number') return `${f.field}:${f.op}:${String(v)}`;
      if (typeof v === 'string') return `${f.field}:${f.op}:${quoted(v, f.field)}`;
      if (v.some((x) => x.includes(','))) throw new ConnectorError({ code: 'MLC_ERR_BUG', system: 'bill', message: `BILL ${f.op} list for ${f.field} has a value with a comma` });
      return `${f.field}:${f.op}:${quoted(v.join(','), f.field)}`;
    })
    .join(',');
}

/** A watermark filter: records changed at or after `since` (read with >=, upsert idempotently). */
export function updatedSince(since: string | number | Date | undefined): BillFilter[] {
  if (since === undefined) return [];
  return [{ field: 'updatedTime', op: 'gte', value: new Date(since).toISOString() }];
}

/**
 * A delta-read filter: records changed strictly after `after` (`updatedTime:gt:"…"`, the pattern
 * BILL's list guide gives for incremental sync, developer.bill.com/docs/search-op-with-lists).
 */
export function updatedAfter(after: string | undefined): BillFilter[] {
  if (after === undefined) return [];
  return [{ field: 'updatedTime', op: 'gt', value: new Date(after).toISOString() }];
}
