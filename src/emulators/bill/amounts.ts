/**
 * Exact amounts. Money is held as integer minor units (bigint) and parsed from its decimal text with
 * core/money; quantity × price is multiplied as scaled integers and rounded half away from zero to the
 * currency's digits. No float arithmetic touches an amount; JSON numbers are produced only on output.
 */
import { MoneyError, minorDigits, money, parseMoney, toJsonNumber } from '../../core/money.ts';

export interface Decimal {
  /** The value times 10^scale. */
  units: bigint;
  scale: number;
}

/** Decimal text of a JSON number or string ("12.5", 12.5); exponents and non-numbers are refused. */
export function parseDecimal(value: unknown): Decimal | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    text = String(value);
  } else if (typeof value === 'string') text = value.trim();
  else return null;
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const frac = m[3] ?? '';
  const units = BigInt(`${m[2]}${frac}`);
  return { units: m[1] ? -units : units, scale: frac.length };
}

export function decimalText(d: Decimal): string {
  const negative = d.units < 0n;
  const abs = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, '0');
  const text = d.scale === 0 ? abs : `${abs.slice(0, -d.scale)}.${abs.slice(-d.scale)}`.replace(/\.?0+$/, '');
  return negative && text !== '0' ? `-${text}` : text;
}

/** Amount in minor units, or an error message (too many decimals, not a number). */
export function parseAmount(value: unknown, currency: string): bigint | string {
  if (typeof value !== 'number' && typeof value !== 'string') return 'must be a number';
  try {
    return parseMoney(value, currency).minor;
  } catch (e) {
    return e instanceof MoneyError ? e.message : String(e);
  }
}

/** quantity × price in minor units, rounded half away from zero to the currency's digits. */
export function multiplyToMinor(quantity: Decimal, price: Decimal, currency: string): bigint {
  const digits = minorDigits(currency);
  const product = quantity.units * price.units;
  const scale = quantity.scale + price.scale;
  if (scale <= digits) return product * 10n ** BigInt(digits - scale);
  const divisor = 10n ** BigInt(scale - digits);
  const negative = product < 0n;
  const abs = negative ? -product : product;
  let q = abs / divisor;
  if ((abs % divisor) * 2n >= divisor) q += 1n;
  return negative ? -q : q;
}

/** Minor units as the JSON number BILL sends (exact: produced from decimal text). */
export function amountJson(minor: bigint, currency: string): number {
  return toJsonNumber(money(currency, minor));
}
