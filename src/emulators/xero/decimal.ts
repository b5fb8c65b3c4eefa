/**
 * Exact decimal arithmetic for the emulator's amounts. Xero sends and accepts amounts as JSON numbers
 * (XS `x-is-money`); we read them from their decimal text into integers scaled by 10^scale and never
 * compute with floats, so 0.10 + 0.20 is 0.30 here exactly as in Xero's ledger.
 */

/** Scales the emulator keeps: quantities and unit amounts to 4 places (XS `unitdp`), rates to 6. */
export const QTY_SCALE = 4;
export const UNIT_SCALE = 4;
export const RATE_SCALE = 6;

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** Integer division rounding half away from zero (how Xero rounds line and tax amounts). */
export function divRound(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('division by zero');
  const negative = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (an * 2n + ad) / (ad * 2n);
  return negative ? -q : q;
}

/**
 * Reads a JSON number or decimal text into an integer scaled by 10^scale, rounding extra digits half
 * away from zero. Returns null for anything that is not a plain decimal (exponents, NaN, words).
 */
export function parseScaled(value: unknown, scale: number): bigint | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return null;
  }
  const m = /^([+-])?(\d+)(?:\.(\d*))?$/.exec(text) ?? /^([+-])?()\.(\d+)$/.exec(text);
  if (!m) return null;
  const sign = m[1] === '-' ? -1n : 1n;
  const whole = m[2] === '' ? '0' : m[2]!;
  const frac = m[3] ?? '';
  const digits = BigInt(whole + frac.padEnd(scale, '0').slice(0, Math.max(scale, 0)) || '0');
  const rest = frac.slice(scale);
  let v = digits;
  if (rest.length > 0 && rest[0]! >= '5') v += 1n;
  return sign * v;
}

/** Rescales an integer from one scale to another, rounding half away from zero when shrinking. */
export function rescale(v: bigint, from: number, to: number): bigint {
  if (to >= from) return v * pow10(to - from);
  return divRound(v, pow10(from - to));
}

/** Fixed-point text, e.g. scaledText(12345n, 2) = "123.45". */
export function scaledText(v: bigint, scale: number): string {
  const negative = v < 0n;
  const abs = (negative ? -v : v).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? abs : `${abs.slice(0, -scale)}.${abs.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** The value as a JSON number, built from its exact decimal text (the nearest double to it). */
export function scaledNumber(v: bigint, scale: number): number {
  return Number(scaledText(v, scale));
}

/** Multiplies two scaled integers and returns the product at `toScale`, rounded half away from zero. */
export function mulScaled(a: bigint, aScale: number, b: bigint, bScale: number, toScale: number): bigint {
  return rescale(a * b, aScale + bScale, toScale);
}
