import { parseBillWebhook, verifyBillSignature, type BillWebhookEvent } from '../../systems/bill/webhooks.ts';
import { ConnectorError } from '../../core/errors.ts';
import type { ServerServices } from '../contract.ts';
import { signingKeys } from '../subscriptions/store.ts';
import { linksForBillOrg, recordAndEnqueue } from './enqueue.ts';
import type { WebhookOutcome } from './xero.ts';

/** BILL event types the connector follows up, by the entity to re-read (payload key before the dot). */
const entityOf: Record<string, 'vendor' | 'bill' | 'payment' | undefined> = { vendor: 'vendor', bill: 'bill', payment: 'payment' };

/**
 * POST /webhooks/bill (https://developer.bill.com/docs/bill-webhook-api-notification-rules):
 * `x-bill-sha-signature` is checked over the raw body against the stored security keys (one per
 * organisation) before the body is parsed; a bad or missing one is 401 and nothing is recorded.
 * Each notification has a unique `metadata.eventId`, the dedupe key (kept per link). Duplicates are
 * dropped here and out-of-order deliveries do no harm, because the follow-up `records` job re-reads
 * the entity from BILL and the newest state decides. Answer 200 well within BILL's 10 seconds.
 */
export async function receiveBillWebhook(services: ServerServices, rawBody: Buffer, signature: string | string[] | undefined): Promise<WebhookOutcome> {
  const keys = await signingKeys(services.db, services.box);
  const signer = keys.find((k) => verifyBillSignature(rawBody, signature, k.securityKey));
  if (!signer) {
    services.log.warn({ system: 'bill', bytes: rawBody.length, signed: signature !== undefined }, 'BILL webhook refused: signature does not match any subscription');
    return { status: 401, fresh: 0, jobs: [] };
  }
  let event: BillWebhookEvent;
  try {
    event = parseBillWebhook(rawBody);
  } catch (e) {
    services.log.warn({ system: 'bill', err: e instanceof ConnectorError ? e.message : 'unreadable' }, 'BILL webhook refused: unreadable payload');
    return { status: 400, fresh: 0, jobs: [] };
  }
  const { metadata } = event;
  if (metadata.organizationId !== signer.organizationId || metadata.subscriptionId !== signer.subscriptionId) {
    services.log.warn({ system: 'bill', organizationId: metadata.organizationId }, 'BILL webhook refused: signed for another organisation or subscription');
    return { status: 400, fresh: 0, jobs: [] };
  }
  const entity = entityOf[event.entityType];
  if (!entity) return { status: 200, fresh: 0, jobs: [] };
  const routes = await linksForBillOrg(services, metadata.organizationId);
  const inbound = routes.map((route) => ({
    route,
    eventKey: `${metadata.eventId}@${route.link}`,
    system: 'bill' as const,
    entity,
    id: event.entity.id,
    payload: { metadata, id: event.entity.id },
  }));
  const { fresh, jobs } = await recordAndEnqueue(services, inbound);
  services.log.info({ system: 'bill', eventType: metadata.eventType, fresh, jobs: jobs.length }, 'BILL webhook received');
  return { status: 200, fresh, jobs };
}
