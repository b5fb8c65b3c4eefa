import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ConnectorError } from '../../core/errors.ts';
import { err, ok, type Result } from '../../core/result.ts';
import { decodeWire } from '../../http/decode.ts';

/**
 * Push notifications (Push Notifications form SM302000, webhook destination): Acumatica POSTs
 * `{Inserted, Deleted, Query, CompanyId, Id, TimeStamp, AdditionalInfo}` for the generic inquiry or
 * built-in query it watches; an update is the new row in Inserted and the old one in Deleted. `Id`
 * names the transaction (the dedupe key) and `TimeStamp` orders them. There is no signature: the
 * destination may carry one custom header with a value, checked here in constant time. Any error
 * answer makes Acumatica send again (at most 5 attempts), so the receiver answers 2xx once the body
 * is read and re-reads the records by key (PushNotifications_Format, _Destinations).
 */
const rowSchema = z.record(z.string(), z.unknown());

export const pushNotificationSchema = z.looseObject({
  Inserted: z.array(rowSchema).default([]),
  Deleted: z.array(rowSchema).default([]),
  Query: z.string(),
  CompanyId: z.string().optional(),
  Id: z.string().min(1),
  TimeStamp: z.union([z.number(), z.string()]).optional(),
  AdditionalInfo: z.unknown().optional(),
});
export type AcumaticaPushNotification = z.output<typeof pushNotificationSchema>;

export function parsePushNotification(rawBody: Buffer | string): AcumaticaPushNotification {
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'acumatica', message: 'Acumatica push notification body is not JSON' });
  }
  return decodeWire(pushNotificationSchema, json, { system: 'acumatica', what: 'push notification' });
}

/** The configured header's value as sent, compared in constant time; a missing or repeated header fails. */
export function verifyPushHeader(received: string | readonly string[] | undefined | null, expected: string): boolean {
  if (typeof received !== 'string' || expected === '') return false;
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A row's value for a column: inquiry rows carry plain values, some destinations wrap them as `{value}`. */
export function rowValue(row: Record<string, unknown>, column: string): string | undefined {
  const v = row[column];
  const inner = v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v;
  return typeof inner === 'string' ? inner : typeof inner === 'number' ? String(inner) : undefined;
}

/**
 * The records a notification names, by key column(s), de-duplicated: what was inserted or
 * updated and what was deleted (an update names the same keys in both).
 */
export function changedKeys(n: AcumaticaPushNotification, columns: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const row of [...n.Inserted, ...n.Deleted]) {
    const values = columns.map((c) => rowValue(row, c));
    if (values.every((v) => v !== undefined && v !== '')) keys.add(values.join('|'));
  }
  return [...keys];
}

/** What a notification's row names: a vendor, an AP bill (or adjustment) or an AP payment. */
export type PushedEntity = 'vendor' | 'bill' | 'payment';

/**
 * The inquiry names the connector's set-up asks for, by what their rows are (the README's push
 * notification set-up; the same names the emulator sends). Any other inquiry is read by its columns.
 */
export const pushQueryEntities: Readonly<Record<string, PushedEntity>> = { 'ap-bills': 'bill', 'ap-vendors': 'vendor', 'ap-payments': 'payment' };

/** AP document types that are bills to the connector (Bill's Type list, AP301000); every other type is a payment's. */
const billTypes = new Set(['bill', 'debit adj.', 'credit adj.']);

/**
 * What one row names, as the port knows records: a document by `Type|ReferenceNbr`, a vendor by
 * `VendorID`. A row of a known inquiry is what the inquiry watches; a row of another one is a
 * document when it carries Type and ReferenceNbr (a bill or a payment by its type), else a vendor
 * when it carries VendorID. Rows naming neither are left out.
 */
export function pushedRecord(query: string, row: Record<string, unknown>): { entity: PushedEntity; id: string } | null {
  const type = rowValue(row, 'Type');
  const referenceNbr = rowValue(row, 'ReferenceNbr');
  const vendorId = rowValue(row, 'VendorID');
  const known = pushQueryEntities[query.trim().toLowerCase()];
  const document = type && referenceNbr ? `${type}|${referenceNbr}` : undefined;
  if (known === 'vendor') return vendorId ? { entity: 'vendor', id: vendorId } : null;
  if (known) return document ? { entity: known, id: document } : null;
  if (document) return { entity: billTypes.has(type!.toLowerCase()) ? 'bill' : 'payment', id: document };
  return vendorId ? { entity: 'vendor', id: vendorId } : null;
}

/**
 * Every record a notification names, once: what was inserted or updated, and what was deleted
 * (an update names the same record in both).
 */
export function pushedRecords(n: AcumaticaPushNotification): { entity: PushedEntity; id: string }[] {
  const seen = new Map<string, { entity: PushedEntity; id: string }>();
  for (const row of [...n.Inserted, ...n.Deleted]) {
    const r = pushedRecord(n.Query, row);
    if (r) seen.set(`${r.entity}|${r.id}`, r);
  }
  return [...seen.values()];
}

export type PushRejection = { reason: 'bad_header' } | { reason: 'bad_payload'; error: ConnectorError };

/** Checks the static header, then parses. Answer 401 on a bad header, 200 quickly otherwise. */
export function readPushNotification(input: { rawBody: Buffer | string; header: string | readonly string[] | undefined | null; expected: string }): Result<AcumaticaPushNotification, PushRejection> {
  if (!verifyPushHeader(input.header, input.expected)) return err({ reason: 'bad_header' });
  try {
    return ok(parsePushNotification(input.rawBody));
  } catch (e) {
    return err({ reason: 'bad_payload', error: e instanceof ConnectorError ? e : new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'acumatica', message: 'unreadable Acumatica push notification' }) });
  }
}
