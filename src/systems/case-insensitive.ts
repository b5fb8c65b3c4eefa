/**
 * Reads a field from a vendor JSON object whatever its key casing: Xero's problem bodies come both
 * as `{"Detail": …}` and `{"detail": …}` (https://developer.xero.com/documentation/oauth2/troubleshooting).
 */
export function pickField(value: unknown, name: string): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

export function pickString(value: unknown, name: string): string | undefined {
  const v = pickField(value, name);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
