import { z } from 'zod';
import { ConnectorError } from '../../core/errors.ts';
import { err, ok, type Result } from '../../core/result.ts';
import { verifyHmacSha256Base64 } from '../hmac-signature.ts';

/**
 * QBO webhooks (https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications):
 * `intuit-signature` is base64(HMAC-SHA256(verifier token, raw body)). Two payload formats arrive:
 * the legacy `{"eventNotifications":[{realmId, dataChangeEvent:{entities:[{name,id,operation,lastUpdated}]}}]}`
 * and the CloudEvents array `[{specversion, id, type:"qbo.<entity>.<verb>.v1", intuitaccountid,
 * intuitentityid, time}]` (https://blogs.a.intuit.com/2025/11/12/upcoming-change-to-webhooks-payload-structure),
 * whose batches may mix realms. Both carry ids only: the record is re-read.
 */
export type QboWebhookOperation = 'Create' | 'Update' | 'Delete' | 'Merge' | 'Void' | 'Emailed';

export interface QboWebhookEvent {
  realmId: string;
  /** QBO entity name as the API spells it (Vendor, PurchaseOrder, BillPayment…). */
  entity: string;
  id: string;
  operation: QboWebhookOperation | string;
  /** When QBO says the change happened (ISO text as sent), if it says. */
  occurredAt: string | undefined;
  /** CloudEvents `id`, for de-duplicating repeated deliveries; legacy events have none. */
  eventId: string | undefined;
  /** CloudEvents `source`: with `id` it identifies the event (CloudEvents 1.0, "id"). */
  eventSource: string | undefined;
}

const legacySchema = z.object({
  eventNotifications: z.array(
    z.object({
      realmId: z.string(),
      dataChangeEvent: z.object({
        entities: z.array(z.object({ name: z.string(), id: z.string(), operation: z.string(), lastUpdated: z.string().optional() })),
      }),
    }),
  ),
});

const cloudEventSchema = z.object({
  specversion: z.string(),
  id: z.string(),
  source: z.string().optional(),
  type: z.string(),
  time: z.string().optional(),
  intuitaccountid: z.string(),
  intuitentityid: z.string(),
});

/** CloudEvents verbs → the legacy operation names (only `created` is documented; the others follow its pattern). */
const verbs: Readonly<Record<string, QboWebhookOperation>> = {
  created: 'Create', updated: 'Update', deleted: 'Delete', merged: 'Merge', voided: 'Void', emailed: 'Emailed',
};

/** The entity names the connector may see, so `qbo.purchaseorder.created.v1` reads back as `PurchaseOrder`. */
const entityNames = ['Account', 'Bill', 'BillPayment', 'Class', 'Customer', 'Department', 'Employee', 'Item', 'JournalEntry', 'Purchase', 'PurchaseOrder', 'Term', 'Vendor', 'VendorCredit'];
const entityByLower = new Map(entityNames.map((n) => [n.toLowerCase(), n]));

export function verifyQboSignature(rawBody: Buffer | string, signature: string | readonly string[] | undefined | null, verifierToken: string): boolean {
  return verifyHmacSha256Base64(rawBody, signature, verifierToken);
}

/** Reads either payload format into one event per (realm, entity, id, operation). */
export function parseQboWebhook(json: unknown): QboWebhookEvent[] {
  if (Array.isArray(json)) {
    return z.array(cloudEventSchema).parse(json).map((e) => {
      const [, entity = '', verb = ''] = /^qbo\.([a-z0-9]+)\.([a-z]+)\.v\d+$/i.exec(e.type) ?? [];
      return {
        realmId: e.intuitaccountid,
        entity: entityByLower.get(entity.toLowerCase()) ?? entity,
        id: e.intuitentityid,
        operation: verbs[verb.toLowerCase()] ?? verb,
        occurredAt: e.time,
        eventId: e.id,
        eventSource: e.source,
      };
    });
  }
  return legacySchema.parse(json).eventNotifications.flatMap((n) =>
    n.dataChangeEvent.entities.map((e) => ({ realmId: n.realmId, entity: e.name, id: e.id, operation: e.operation, occurredAt: e.lastUpdated, eventId: undefined, eventSource: undefined })),
  );
}

export type QboWebhookRejection = { reason: 'bad_signature' } | { reason: 'bad_payload'; error: ConnectorError };

/** Verifies, then parses. A bad signature is refused and nothing is recorded; a bad payload after a good signature is reported. */
export function readQboWebhook(input: { rawBody: Buffer | string; signature: string | readonly string[] | undefined | null; verifierToken: string }): Result<QboWebhookEvent[], QboWebhookRejection> {
  if (!verifyQboSignature(input.rawBody, input.signature, input.verifierToken)) return err({ reason: 'bad_signature' });
  try {
    const json: unknown = JSON.parse(typeof input.rawBody === 'string' ? input.rawBody : input.rawBody.toString('utf8'));
    return ok(parseQboWebhook(json));
  } catch (e) {
    const detail = e instanceof z.ZodError ? e.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') : 'not JSON';
    return err({ reason: 'bad_payload', error: new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'qbo', message: `QuickBooks Online webhook body unreadable: ${detail}` }) });
  }
}
