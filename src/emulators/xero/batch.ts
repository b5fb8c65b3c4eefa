import { ok, validationException, type ApiResult, type ElementError } from './errors.ts';
import { envelope, type Json } from './json.ts';
import type { ChangeEvent, Tenant } from './tenant.ts';
import { isObj, type In, type WriteResult } from './write.ts';

/**
 * Batch writes (A5): PUT and POST take one or many elements. By default any invalid element fails
 * the whole request with 400 ValidationException and nothing is written; with
 * `summarizeErrors=false` the valid elements are written and the answer is 200 with every element,
 * the failed ones flagged `StatusAttributeString: "ERROR"` with their ValidationErrors (XS param).
 * Each element is applied on a snapshot, so a failed element leaves no trace (not even a contact it
 * would have created).
 */

/** Reads the elements of a request body: `{Plural:[…]}`, a bare array, or one bare object. */
export function elementsOf(body: unknown, plural: string): unknown[] | null {
  if (Array.isArray(body)) return body;
  if (!isObj(body)) return null;
  const key = Object.keys(body).find((k) => k.toLowerCase() === plural.toLowerCase());
  if (key !== undefined) return Array.isArray(body[key]) ? (body[key] as unknown[]) : null;
  return [body];
}

export interface BatchSpec<T> {
  tenant: Tenant;
  plural: string;
  /** Invoices flag failures with HasErrors; contacts and payments with HasValidationErrors (XS). */
  errorFlag: 'HasErrors' | 'HasValidationErrors';
  summarizeErrors: boolean;
  now: number;
  events: ChangeEvent[];
  apply: (element: In, events: ChangeEvent[]) => WriteResult<T>;
  render: (record: T) => Json;
}

export function runBatch<T>(elements: unknown[], spec: BatchSpec<T>): ApiResult {
  const t = spec.tenant;
  const start = t.snapshot();
  const out: Json[] = [];
  const failures: ElementError[] = [];
  const events: ChangeEvent[] = [];
  for (const raw of elements) {
    const element: In = isObj(raw) ? raw : {};
    const before = t.snapshot();
    const mine: ChangeEvent[] = [];
    const r = isObj(raw) ? spec.apply(element, mine) : { ok: false as const, messages: ['Each element must be a JSON object.'] };
    if (r.ok) {
      events.push(...mine);
      out.push(spec.summarizeErrors ? spec.render(r.record) : { ...spec.render(r.record), StatusAttributeString: 'OK' });
    } else {
      t.restore(before);
      failures.push({ element, messages: r.messages });
      out.push({
        ...element,
        [spec.errorFlag]: true,
        StatusAttributeString: 'ERROR',
        ValidationErrors: r.messages.map((Message) => ({ Message })),
      });
    }
  }
  if (failures.length > 0 && spec.summarizeErrors) {
    t.restore(start);
    return validationException(failures);
  }
  spec.events.push(...events);
  return ok(envelope(spec.plural, out, spec.now));
}
