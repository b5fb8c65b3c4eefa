import { invalidReference, requiredParam } from './errors.ts';
import type { EntityName, QboRecord, Realm } from './store.ts';

/** A reference as QBO writes it (IntuitBaseTypes.xsd ReferenceType: `value` and an optional `name`). */
export interface Ref {
  value: string;
  name?: string;
}

export function readRef(raw: unknown, element: string): Ref | undefined {
  if (raw === undefined || raw === null) return undefined;
  const value = typeof raw === 'object' ? (raw as { value?: unknown }).value : undefined;
  if (typeof value !== 'string' && typeof value !== 'number') throw requiredParam(`${element}.value`);
  return { value: String(value) };
}

/**
 * Resolves a reference to an active record of the given entity, answering it with QBO's `name`.
 * A missing or inactive one is 2500 Invalid Reference Id (B7).
 */
export function resolveRef(realm: Realm, entity: EntityName, raw: unknown, element: string, required: boolean): { ref: Ref; record: QboRecord } | undefined {
  const ref = readRef(raw, element);
  if (!ref) {
    if (required) throw requiredParam(element);
    return undefined;
  }
  const record = realm.get(entity, ref.value);
  if (!record || record.Active === false) throw invalidReference(element, ref.value);
  const name = (record.FullyQualifiedName ?? record.DisplayName ?? record.Name) as string | undefined;
  return { ref: name === undefined ? { value: ref.value } : { value: ref.value, name }, record };
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function optionalString(body: Record<string, unknown>, element: string): string | undefined {
  const v = body[element];
  if (v === undefined || v === null) return undefined;
  return String(v);
}
