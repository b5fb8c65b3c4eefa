import { z } from 'zod';
import { ConnectorError } from '../../core/errors.ts';
import { err, ok, type Result } from '../../core/result.ts';
import { decodeWire } from '../../http/decode.ts';
import { verifyHmacSha256Base64 } from '../hmac-signature.ts';

/**
 * BILL webhooks (https://developer.bill.com/docs/bill-webhook-notification-payloads,
 * https://developer.bill.com/docs/test-with-webhook-security): `x-bill-sha-signature` is
 * base64(HMAC-SHA256(subscription securityKey, body)), checked over the raw body bytes as
 * received. The payload is `metadata` plus a partial snapshot of the entity under its type name
 * (`bill`, `vendor`, `payment`, ...); `bill.updated` carries only changed fields, so the engine
 * re-reads the entity. `metadata.eventId` is the dedupe key.
 */
export const billWebhookMetadataSchema = z.object({
  eventId: z.string().min(1),
  subscriptionId: z.string(),
  organizationId: z.string(),
  eventType: z.string().regex(/^[a-z-]+(\.[a-z-]+)+$/, 'expected entity.action'),
  version: z.string(),
});

const entitySnapshotSchema = z.looseObject({ id: z.string().min(1) });

const billWebhookBodySchema = z.looseObject({ metadata: billWebhookMetadataSchema });

export interface BillWebhookEvent {
  metadata: z.output<typeof billWebhookMetadataSchema>;
  /** `bill`, `vendor`, `payment`, ...: the part of eventType before the last dot. */
  entityType: string;
  entity: z.output<typeof entitySnapshotSchema>;
}

export function verifyBillSignature(rawBody: Buffer | string, signature: string | readonly string[] | undefined | null, securityKey: string): boolean {
  return verifyHmacSha256Base64(rawBody, signature, securityKey);
}

/** The entity key in the payload for an event type: `bank-account.created` → `bankAccount`. */
function entityKey(entityType: string): string {
  return entityType.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function parseBillWebhook(rawBody: Buffer | string): BillWebhookEvent {
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'bill', message: 'BILL webhook body is not JSON' });
  }
  const body = decodeWire(billWebhookBodySchema, json, { system: 'bill', what: 'webhook payload' });
  const entityType = body.metadata.eventType.slice(0, body.metadata.eventType.lastIndexOf('.'));
  const key = [entityType, entityKey(entityType)].find((k) => k in body);
  if (!key) {
    throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'bill', message: `BILL webhook ${body.metadata.eventType}: no '${entityType}' object in the payload` });
  }
  const entity = decodeWire(entitySnapshotSchema, body[key], { system: 'bill', what: `webhook ${entityType}` });
  return { metadata: body.metadata, entityType, entity };
}

export type BillWebhookRejection = { reason: 'bad_signature' } | { reason: 'bad_payload'; error: ConnectorError };

/** Verifies, then parses. Answer 401 on a bad signature, 200 quickly otherwise. */
export function readBillWebhook(input: { rawBody: Buffer | string; signature: string | readonly string[] | undefined | null; securityKey: string }): Result<BillWebhookEvent, BillWebhookRejection> {
  if (!verifyBillSignature(input.rawBody, input.signature, input.securityKey)) return err({ reason: 'bad_signature' });
  try {
    return ok(parseBillWebhook(input.rawBody));
  } catch (e) {
    return err({ reason: 'bad_payload', error: e instanceof ConnectorError ? e : new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'bill', message: 'unreadable BILL webhook' }) });
  }
}
