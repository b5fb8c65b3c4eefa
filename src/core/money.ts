/**
 * Money as integer minor units (bigint) with an ISO 4217 currency. Amounts arrive from the APIs as
 * JSON numbers or strings ("123.45"); they are parsed from their decimal text, never through float
 * arithmetic, and written back as fixed-point strings.
 */
export interface Money {
  readonly currency: string;
  /** Amount in the currency's minor unit (cents for USD, yen for JPY). */
  readonly minor: bigint;
}

const knownCurrencies = new Set<string>(
  typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('currency') : [],
);

export class MoneyError extends Error {
  override readonly name = 'MoneyError';
}

/** Whether the currency is an ISO 4217 code this runtime knows (Intl's list). */
export function isKnownCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && (knownCurrencies.size === 0 || knownCurrencies.has(code));
}

// Building an Intl.NumberFormat costs far more than parsing an amount, and every amount needs its
// currency's digits: remember them per currency (a few dozen entries at most).
const digitsByCurrency = new Map<string, number>();

/** Digits after the decimal point for a currency (USD 2, JPY 0, BHD 3), from Intl's CLDR data. */
export function minorDigits(currency: string): number {
  const known = digitsByCurrency.get(currency);
  if (known !== undefined) return known;
  if (!isKnownCurrency(currency)) throw new MoneyError(`unknown currency code '${currency}'`);
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  digitsByCurrency.set(currency, digits);
  return digits;
}

/**
 * Parses a decimal amount given as a string or as a JSON number (whose shortest text form is exact
 * for the values the APIs send). More decimals than the currency allows is an error, not a rounding.
 */
export function parseMoney(value: string | number, currency: string): Money {
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new MoneyError(`'${String(value)}' is not a decimal amount`);
  const [, sign, whole, frac = ''] = match;
  const digits = minorDigits(currency);
  const trimmed = frac.replace(/0+$/, '');
  if (trimmed.length > digits) {
    throw new MoneyError(`${text} ${currency} has more than ${digits} decimal places`);
  }
  const minor = BigInt(whole! + trimmed.padEnd(digits, '0'));
  return { currency, minor: sign ? -minor : minor };
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new MoneyError(`${n} is not a finite amount`);
  const text = String(n);
  if (/e/i.test(text)) throw new MoneyError(`${text} is outside the range of supported amounts`);
  return text;
}

export function money(currency: string, minor: bigint): Money {
  return { currency, minor };
}

/** Fixed-point text with the currency's digits, e.g. "1234.50". */
export function formatMoney(m: Money): string {
  const digits = minorDigits(m.currency);
  const negative = m.minor < 0n;
  const abs = (negative ? -m.minor : m.minor).toString().padStart(digits + 1, '0');
  const text = digits === 0 ? abs : `${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
  return negative ? `-${text}` : text;
}

/** The amount as a JSON number for APIs that want numbers; exact because it comes from decimal text. */
export function toJsonNumber(m: Money): number {
  return Number(formatMoney(m));
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new MoneyError(`cannot combine ${a.currency} with ${b.currency}`);
}

export function addMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { currency: a.currency, minor: a.minor + b.minor };
}

export function subtractMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { currency: a.currency, minor: a.minor - b.minor };
}

export function sumMoney(currency: string, items: readonly Money[]): Money {
  return items.reduce((acc, m) => addMoney(acc, m), money(currency, 0n));
}

export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b);
  return a.minor < b.minor ? -1 : a.minor > b.minor ? 1 : 0;
}

export const isZero = (m: Money): boolean => m.minor === 0n;
