/**
 * Builds Xero `where` filter text. String literals are double-quoted with `\` and `"` escaped, so
 * a supplier reference like `INV "A"` cannot break out of the filter
 * (https://developer.xero.com/documentation/api/requests-and-responses).
 */
export function xeroString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function whereAnyEquals(field: string, values: readonly string[]): string {
  return values.map((v) => `${field}==${xeroString(v)}`).join(' OR ');
}
