import { z } from 'zod';

/**
 * Xero's JSON dates come as Microsoft JSON dates, "/Date(1419937200000+0000)/" (milliseconds since
 * the epoch, UTC; the offset is informational), and on a few objects as ISO text without a zone,
 * which is UTC (https://developer.xero.com/documentation/api/requests-and-responses).
 */
const MS_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;
const ISO_NO_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/;

/** Epoch milliseconds for a Xero date value, or undefined when it is neither form. */
export function parseXeroDate(value: string): number | undefined {
  const ms = MS_DATE.exec(value);
  if (ms) return Number(ms[1]);
  const text = ISO_NO_ZONE.test(value) ? `${value}Z` : value;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/** An instant, as an ISO-8601 UTC string. */
export const xeroDateTime = z.string().transform((v, ctx) => {
  const t = parseXeroDate(v);
  if (t === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a Xero date (/Date(ms)/ or ISO)' });
    return z.NEVER;
  }
  return new Date(t).toISOString();
});

/** A calendar date (invoice Date, DueDate), as YYYY-MM-DD. */
export const xeroDay = xeroDateTime.transform((iso) => iso.slice(0, 10));

/**
 * The If-Modified-Since header value: a UTC timestamp accurate to the second, "2026-01-05T10:00:00Z".
 * Xero documents "a UTC timestamp (yyyy-mm-ddThh:mm:ss)", accurate to the second
 * (https://developer.xero.com/documentation/api/requests-and-responses), and the official OpenAPI
 * declares the header `format: date-time` (xero_accounting.yaml components.parameters.ifModifiedSince),
 * which per RFC 3339 carries a zone: the trailing Z satisfies both. Not an HTTP date.
 */
export function ifModifiedSinceValue(instant: string | number | Date): string {
  return `${new Date(instant).toISOString().slice(0, 19)}Z`;
}
