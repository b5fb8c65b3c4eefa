import { validation } from './errors.ts';

/**
 * Amounts as integer cents. QBO's JSON carries amounts as numbers (Finance.xsd `decimal`); they are
 * read through their decimal text so no float arithmetic touches money.
 */
const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,2})0*)?$/;

export function toCents(value: unknown, element: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const m = DECIMAL.exec(text);
  if (!m) throw validation('2010', 'Request has invalid or unsupported property', `Property Name:${element} has an invalid value: ${String(value)}`, element);
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -cents : cents;
}

/** Cents back to the JSON number QBO sends (12.5 for 12.50, as QBO does). */
export const fromCents = (cents: number): number => Number(`${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`);
