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
