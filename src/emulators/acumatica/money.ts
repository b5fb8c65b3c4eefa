/** Decimal money as integer cents: Acumatica's DecimalValue arrives as a JSON number, kept as a string. */

export function toCents(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const text = typeof value === 'number' ? value.toFixed(6) : String(value).trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const frac = (m[3] ?? '').padEnd(6, '0');
  // Rounded half away from zero to cents, as a document total is.
  const micros = BigInt(m[2]!) * 1_000_000n + BigInt(frac.slice(0, 6));
  const cents = Number((micros + 5_000n) / 10_000n);
  return m[1] === '-' ? -cents : cents;
}

export function fromCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
