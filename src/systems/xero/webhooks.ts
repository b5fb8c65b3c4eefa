import { z } from 'zod';
import { ConnectorError } from '../../core/errors.ts';
import { err, ok, type Result } from '../../core/result.ts';
import { decodeWire } from '../../http/decode.ts';
import { verifyHmacSha256Base64 } from '../hmac-signature.ts';
import { xeroDateTime } from './wire-dates.ts';

/**
 * Xero webhooks (https://developer.xero.com/documentation/webhooks/configuring-your-server):
 * `x-xero-signature` is base64(HMAC-SHA256(webhook key, raw body)). Answer 200 with no body when
 * it matches, 401 when it does not, within 5 seconds. The "intent to receive" handshake is an empty
 * event list with the same signing, so one check serves both. Events carry ids only: re-read the
 * resource.
 */
export const xeroWebhookEventSchema = z.object({
  resourceUrl: z.string(),
  resourceId: z.string(),
  tenantId: z.string(),
  tenantType: z.string(),
  eventCategory: z.string(),
  eventType: z.string(),
  eventDateUtc: xeroDateTime,
});

export const xeroWebhookPayloadSchema = z.object({
  events: z.array(xeroWebhookEventSchema),
  firstEventSequence: z.number().int(),
  lastEventSequence: z.number().int(),
  entropy: z.string(),
});

export type XeroWebhookEvent = z.output<typeof xeroWebhookEventSchema>;
export type XeroWebhookPayload = z.output<typeof xeroWebhookPayloadSchema>;

export function verifyXeroSignature(rawBody: Buffer | string, signature: string | readonly string[] | undefined | null, webhookKey: string): boolean {
  return verifyHmacSha256Base64(rawBody, signature, webhookKey);
}

export type XeroWebhookRejection = { reason: 'bad_signature' } | { reason: 'bad_payload'; error: ConnectorError };

/** Verifies, then parses. A bad signature must be answered 401; a bad payload after a good signature 200 + alert. */
export function readXeroWebhook(input: { rawBody: Buffer | string; signature: string | readonly string[] | undefined | null; webhookKey: string }): Result<XeroWebhookPayload, XeroWebhookRejection> {
  if (!verifyXeroSignature(input.rawBody, input.signature, input.webhookKey)) return err({ reason: 'bad_signature' });
  try {
    const json: unknown = JSON.parse(typeof input.rawBody === 'string' ? input.rawBody : input.rawBody.toString('utf8'));
    return ok(decodeWire(xeroWebhookPayloadSchema, json, { system: 'xero', what: 'webhook payload' }));
  } catch (e) {
    const error = e instanceof ConnectorError ? e : new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'xero', message: 'Xero webhook body is not JSON' });
    return err({ reason: 'bad_payload', error });
  }
}
