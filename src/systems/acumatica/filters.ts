/**
 * `$filter` text for the OData v3 subset Acumatica reads (Parameter_filter example): string
 * literals in single quotes with a quote doubled, `datetimeoffset'…'` instants, `and` / `or`.
 * The transport URL-encodes the whole query, which the literal needs (`:` and `+` of the offset).
 * Filtering on detail fields is unsupported there, so only top-level fields are filtered on.
 */

export type Filter = string;

export const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

export const eq = (field: string, value: string): Filter => `${field} eq ${quote(value)}`;

/** An instant as Acumatica's datetimeoffset literal, in UTC with an explicit offset. */
export function dateTimeOffset(instant: string | Date): string {
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`'${String(instant)}' is not an instant`);
  return `datetimeoffset'${new Date(ms).toISOString().replace('Z', '+00:00')}'`;
}

/** Records saved after `since` (LastModifiedDateTime is maintained on every save). */
export const modifiedAfter = (since: string | Date): Filter => `LastModifiedDateTime gt ${dateTimeOffset(since)}`;
export const modifiedFrom = (since: string | Date): Filter => `LastModifiedDateTime ge ${dateTimeOffset(since)}`;

const group = (f: Filter) => (/\s(or|and)\s/.test(f) ? `(${f})` : f);

export const and = (...filters: (Filter | undefined)[]): Filter | undefined => {
  const parts = filters.filter((f): f is Filter => !!f);
  return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : parts.map(group).join(' and ');
};

export const or = (...filters: Filter[]): Filter | undefined => (filters.length === 0 ? undefined : filters.length === 1 ? filters[0] : filters.map(group).join(' or '));

/** A record by its key fields (`Type eq 'Bill' and ReferenceNbr eq '000123'`). */
export const byKeys = (keys: Readonly<Record<string, string>>): Filter => and(...Object.entries(keys).map(([f, v]) => eq(f, v)))!;
