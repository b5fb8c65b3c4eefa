import type { z } from 'zod';
import { ConnectorError } from '../core/errors.ts';
import { redactText } from '../core/redact.ts';

/**
 * Checks a vendor answer against its wire schema. A mismatch is MLC_ERR_BAD_RESPONSE naming the
 * first few offending paths (e.g. `Invoices[3].Total: expected decimal amount`), never the values:
 * values may be personal data or secrets echoed back.
 */
export function decodeWire<S extends z.ZodType>(schema: S, value: unknown, context: { system: string; what: string }): z.output<S> {
  const result = schema.safeParse(value);
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
