import { z } from 'zod';

/**
 * An amount as exact decimal text ("123.45"). The APIs send JSON numbers; a number's shortest
 * text form is the decimal the service wrote (for the ≤15 significant digits money uses), so we
 * keep that text and never do arithmetic on the float. core/money.ts turns it into minor units.
 */
export type DecimalString = string;

const DECIMAL = /^-?\d+(\.\d+)?$/;

export function toDecimalString(value: number | string): DecimalString | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    const text = String(value);
    return DECIMAL.test(text) ? text : undefined;
  }
  const text = value.trim();
  return DECIMAL.test(text) ? text : undefined;
}

export const decimalAmount = z.union([z.number(), z.string()]).transform((v, ctx): DecimalString => {
  const text = toDecimalString(v);
  if (text === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a decimal amount' });
    return z.NEVER;
  }
  return text;
});

/**
 * For request bodies: the APIs want JSON numbers. Number("123.45") serialises back to "123.45"
 * exactly (shortest round-trip form), so no precision is lost for money-sized values.
 */
export function amountToJson(amount: DecimalString): number {
  if (!DECIMAL.test(amount)) throw new RangeError(`'${amount}' is not a decimal amount`);
  const n = Number(amount);
  // Up to 15 significant digits survive the trip through a double exactly.
  if (amount.replace(/[-.]/g, '').replace(/^0+/, '').length > 15) {
    throw new RangeError(`'${amount}' has more precision than a JSON number carries`);
  }
  return n;
}

/** Deep copy of a request body with the decimal-string fields named in `amountKeys` as JSON numbers; undefined fields dropped. */
export function encodeAmounts(value: unknown, amountKeys: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => encodeAmounts(v, amountKeys));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      out[k] = amountKeys.has(k) && typeof v === 'string' ? amountToJson(v) : encodeAmounts(v, amountKeys);
    }
    return out;
  }
  return value;
}
