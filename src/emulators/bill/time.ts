/**
 * Date and time text in BILL's formats: `createdTime`/`updatedTime` are ISO-8601 with milliseconds and
 * an explicit offset (`2024-12-15T23:15:23.127+00:00`), business dates are `yyyy-MM-dd` (reference A3).
 */

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A real calendar date in `yyyy-MM-dd` form (rejects 2025-02-30). */
export function isValidDate(text: unknown): text is string {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00.000Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/**
 * Parses the date-time forms BILL accepts in createdTime/updatedTime filters ([BD:search-op-with-lists]):
 * `yyyy-MM-dd'T'HH:mm:ss.SSSX`, `...ss.SSS`, `...ss`, `...HH:mm` and `yyyy-MM-dd`. A missing zone is UTC.
 */
export function parseFilterTime(text: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/.exec(text);
  if (!m) return null;
  const [, date, hh = '00', mi = '00', ss = '00', ms = '0', zone] = m;
  if (!isValidDate(date)) return null;
  let offset = 'Z';
  if (zone && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    if (!z) return null;
    offset = `${z[1]}${z[2]}:${z[3] ?? '00'}`;
  }
  const t = Date.parse(`${date}T${hh}:${mi}:${ss}.${ms.padEnd(3, '0')}${offset}`);
  return Number.isNaN(t) ? null : t;
}
