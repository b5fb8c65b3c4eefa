import { ConnectorError } from '../../core/errors.ts';
import { registerSecret } from '../../core/redact.ts';
import type { Db } from '../../store/db.ts';
import type { SecretBox } from '../../store/repos/secret-box.ts';
import { parseBillWebhook, verifyBillSignature, type BillWebhookEvent } from '../../systems/bill/webhooks.ts';
import { billSpec } from '../../systems/bill/spec.ts';
import type { WebhookEntity, WebhookReceiver } from './webhook.ts';

/** A subscription's security key is bound to its organisation, so a sealed key cannot be moved to another row. */
export const subscriptionKeyAad = (organizationId: string): string => `bill-subscription:${organizationId}`;

/** Every stored security key (table bill_subscriptions), for checking a signature before the body is read. */
export async function signingKeys(db: Db, box: SecretBox): Promise<{ organizationId: string; subscriptionId: string; securityKey: string }[]> {
  const { rows } = await db.query<{ organization_id: string; subscription_id: string; security_key: string }>(
    'select organization_id, subscription_id, security_key from bill_subscriptions where security_key is not null and subscription_id is not null',
  );
  return rows.map((r) => {
    const securityKey = box.open(r.security_key, subscriptionKeyAad(r.organization_id));
    registerSecret(securityKey);
    return { organizationId: r.organization_id, subscriptionId: r.subscription_id, securityKey };
  });
}

/** BILL event types the connector follows up, by the entity to re-read (payload key before the dot). */
const entityOf: Record<string, WebhookEntity | undefined> = { vendor: 'vendor', bill: 'bill', payment: 'payment' };

/**
 * POST /webhooks/bill (https://developer.bill.com/docs/bill-webhook-api-notification-rules):
 * `x-bill-sha-signature` is checked over the raw body against the stored security keys (one per
 * organisation) before the body is parsed; a bad or missing one is 401 and nothing is recorded.
 * Each notification has a unique `metadata.eventId`, the dedupe key (kept per link). Duplicates are
 * dropped and out-of-order deliveries do no harm, because the follow-up re-reads the entity from
 * BILL and the newest state decides. Answer 200 well within BILL's 10 seconds.
 */
export const billWebhook: WebhookReceiver = {
  signatureHeader: billSpec.webhook.signatureHeader,
  async read(deps, rawBody, signature) {
    const keys = await signingKeys(deps.db, deps.box);
    const signer = keys.find((k) => verifyBillSignature(rawBody, signature, k.securityKey));
    if (!signer) {
      deps.log.warn({ system: 'bill', bytes: rawBody.length, signed: signature !== undefined }, 'BILL webhook refused: signature does not match any subscription');
      return { status: 401 };
    }
    let event: BillWebhookEvent;
    try {
      event = parseBillWebhook(rawBody);
    } catch (e) {
      deps.log.warn({ system: 'bill', err: e instanceof ConnectorError ? e.message : 'unreadable' }, 'BILL webhook refused: unreadable payload');
      return { status: 400 };
    }
    const { metadata } = event;
    if (metadata.organizationId !== signer.organizationId || metadata.subscriptionId !== signer.subscriptionId) {
      deps.log.warn({ system: 'bill', organizationId: metadata.organizationId }, 'BILL webhook refused: signed for another organisation or subscription');
      return { status: 400 };
    }
    const entity = entityOf[event.entityType];
    if (!entity) return { status: 200, events: [] };
    const id = event.entity.id;
    return { status: 200, events: [{ tenantId: metadata.organizationId, entity, id, eventKey: (link) => `${metadata.eventId}@${link}`, payload: { metadata, id } }] };
  },
};
