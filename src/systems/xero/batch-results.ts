import type { z } from 'zod';
import { ConnectorError } from '../../core/errors.ts';
import { redactText } from '../../core/redact.ts';
import { decodeWire } from '../../http/decode.ts';

/** Per-element outcome of a batch write sent with summarizeErrors=false. */
export type XeroItemResult<T> = { ok: true; index: number; record: T } | { ok: false; index: number; error: ConnectorError };

/**
 * Splits a summarizeErrors=false answer into per-element results: an element marked `HasErrors`,
 * `HasValidationErrors`, `StatusAttributeString: "ERROR"` or carrying `ValidationErrors` failed
 * (https://developer.xero.com/documentation/api/http-response-codes); the others are decoded.
 */
export function toItemResults<S extends z.ZodType>(elements: readonly unknown[], item: S, request: string, operation: string): XeroItemResult<z.output<S>>[] {
  return elements.map((element, index): XeroItemResult<z.output<S>> => {
    const messages = elementErrors(element);
    if (messages !== undefined) {
      return {
        ok: false,
        index,
        error: new ConnectorError({
          code: 'MLC_ERR_VALIDATION',
          system: 'xero',
          status: 200,
          vendorCode: 'ValidationException',
          message: redactText(`Xero ${request} element ${index}: ${messages.join('; ') || 'rejected'}`),
        }),
      };
    }
    return { ok: true, index, record: decodeWire(item, element, { system: 'xero', what: `${operation} element ${index}` }) };
  });
}

function elementErrors(element: unknown): string[] | undefined {
  if (!element || typeof element !== 'object') return undefined;
  const e = element as { HasErrors?: unknown; HasValidationErrors?: unknown; StatusAttributeString?: unknown; ValidationErrors?: unknown };
  const list = Array.isArray(e.ValidationErrors) ? e.ValidationErrors : [];
  const failed = e.HasErrors === true || e.HasValidationErrors === true || e.StatusAttributeString === 'ERROR' || list.length > 0;
  if (!failed) return undefined;
  return list.map((v) => (v && typeof v === 'object' && typeof (v as { Message?: unknown }).Message === 'string' ? (v as { Message: string }).Message : '')).filter(Boolean);
}
