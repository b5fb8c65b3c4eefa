import type { z } from 'zod';
import { ConnectorError } from '../core/errors.ts';
import { redactText } from '../core/redact.ts';

/**
 * Checks a vendor answer against its wire schema. A mismatch is MLC_ERR_BAD_RESPONSE naming the
 * first few offending paths (e.g. `Invoices[3].Total: expected decimal amount`), never the values:
 * values may be personal data or secrets echoed back.
 */
export function decodeWire<S extends z.ZodType>(schema: S, value: unknown, context: { system: string; what: string }): z.output<S> {
  const result = schema.safeParse(dropNulls(value));
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 5).map((i) => `${formatPath(i.path)}: ${i.message}`);
  const more = result.error.issues.length > 5 ? ` (+${result.error.issues.length - 5} more)` : '';
  throw new ConnectorError({
    code: 'MLC_ERR_BAD_RESPONSE',
    system: context.system,
    message: redactText(`${context.system} ${context.what}: unexpected answer shape: ${issues.join('; ')}${more}`),
  });
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

/**
 * Removes the properties whose value is null, in place, at every depth. Xero and BILL send null and
 * leave fields out interchangeably, and the wire schemas read both as absent; doing it once here
 * is much cheaper than a null-to-undefined step on every optional field of every record (a page
 * of 1,000 Xero invoices decodes in about half the time). Array items are kept as they are.
 * The value must be freshly parsed JSON that the caller hands over.
 */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (const item of value) if (item !== null && typeof item === 'object') dropNulls(item);
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const v = record[key];
      if (v === null) delete record[key];
      else if (typeof v === 'object') dropNulls(v);
    }
  }
  return value;
}

/** One element of a list answer that did not match its schema: where it was, the element, and why. */
export interface UndecodedItem {
  index: number;
  /** The element as sent (nulls dropped); only for picking out an id or a label, never to log. */
  raw: unknown;
  /** The offending paths inside the element and what was expected (e.g. `Total: expected decimal amount`), never the values. */
  reason: string;
}

/**
 * Checks each element of a list answer on its own, so one element in an unexpected shape is set
 * aside with its reason while the others are read. The answer itself (its envelope) was decoded
 * by decodeWire, which already dropped the nulls.
 */
export function decodeItems<S extends z.ZodType>(schema: S, items: readonly unknown[]): { records: z.output<S>[]; invalid: UndecodedItem[] } {
  const records: z.output<S>[] = [];
  const invalid: UndecodedItem[] = [];
  items.forEach((raw, index) => {
    const result = schema.safeParse(raw);
    if (result.success) {
      records.push(result.data);
      return;
    }
    const issues = result.error.issues.slice(0, 5).map((i) => `${formatPath(i.path)}: ${i.message}`);
    const more = result.error.issues.length > 5 ? ` (+${result.error.issues.length - 5} more)` : '';
    invalid.push({ index, raw, reason: redactText(`${issues.join('; ')}${more}`) });
  });
  return { records, invalid };
}
