/**
 * Xero's date formats. JSON responses carry Microsoft-JSON dates: `/Date(ms)/` on the envelope and
 * `/Date(ms+0000)/` on records, plus ISO `DateString` companions without a zone (XRR; XS examples).
 * Calendar dates (invoice Date, DueDate) are held as 'YYYY-MM-DD' and rendered at UTC midnight.
 */

const DAY_MS = 86_400_000;
export { DAY_MS };

export const msDate = (ms: number): string => `/Date(${ms}+0000)/`;
export const envelopeDate = (ms: number): string => `/Date(${ms})/`;

/** 'YYYY-MM-DD' of a UTC instant. */
export const ymdOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export const ymdToMs = (ymd: string): number => Date.parse(`${ymd}T00:00:00Z`);

/** `/Date(…+0000)/` for a calendar date. */
export const msDateOfYmd = (ymd: string): string => msDate(ymdToMs(ymd));

/** The `DateString` form Xero pairs with calendar dates: "2019-03-11T00:00:00". */
export const dateString = (ymd: string): string => `${ymd}T00:00:00`;

/** ISO instant without a zone, as Xero writes webhook `eventDateUtc` and connection dates (XW, XI examples). */
export const isoNoZone = (ms: number): string => new Date(ms).toISOString().slice(0, -1);

/** ISO instant to the second with Z, as Xero writes `UpdatedDateUTCString` (XS Invoice example). */
export const isoSeconds = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/**
 * Reads a date the caller sent: 'YYYY-MM-DD', an ISO date-time (zone optional, taken as UTC) or a
 * Microsoft-JSON date. Returns the calendar date or null when the value is not a date.
 */
export function parseInputDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  const ms = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(v);
  if (ms) return ymdOf(Number(ms[1]));
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(v);
  if (!m) return null;
  const ymd = `${m[1]}-${m[2]}-${m[3]}`;
  const t = Date.parse(`${ymd}T00:00:00Z`);
  if (Number.isNaN(t) || ymdOf(t) !== ymd) return null;
  return ymd;
}

/**
 * `If-Modified-Since` as Xero takes it: a date-time, "a UTC timestamp (yyyy-mm-ddThh:mm:ss)"
 * (https://developer.xero.com/documentation/api/requests-and-responses), and per the OpenAPI
 * `format: date-time` (xero_accounting.yaml components.parameters.ifModifiedSince, example
 * "2020-02-06T12:17:43.202-08:00"). So: seconds required, fraction optional, zone optional
 * (none means UTC, as documented), `Z` or `±hh:mm`. An HTTP date or a bare date is not this form.
 */
const IF_MODIFIED_SINCE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/i;

/**
 * Reads an `If-Modified-Since` header: epoch ms, null when absent, or 'malformed' when the value
 * is not a valid date-time (the request pipeline refuses it with 400; see docs/emulators/xero.md).
 */
export function parseIfModifiedSince(value: string | undefined): number | null | 'malformed' {
  if (value === undefined || value.trim() === '') return null;
  const v = value.trim();
  const m = IF_MODIFIED_SINCE.exec(v);
  if (!m) return 'malformed';
  const [, y, mo, d, h, mi, s, , zone, zh, zm] = m;
  const ymd = `${y}-${mo}-${d}`;
  // Date.parse rolls 2026-02-30 over to March; a calendar date that does not exist is refused.
  const day = Date.parse(`${ymd}T00:00:00Z`);
  if (Number.isNaN(day) || ymdOf(day) !== ymd) return 'malformed';
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return 'malformed';
  if (zh !== undefined && (Number(zh) > 23 || Number(zm) > 59)) return 'malformed';
  const t = Date.parse(zone === undefined ? `${v}Z` : v.toUpperCase());
  return Number.isNaN(t) ? 'malformed' : t;
}

/** "MM/dd/yyyy HH:mm:ss" in UTC, the form in Xero's `TokenExpired` detail (pyxero#337). */
export function tokenExpiredStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

export const addDays = (ymd: string, days: number): string => ymdOf(ymdToMs(ymd) + days * DAY_MS);
