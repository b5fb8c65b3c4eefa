import { readXeroWebhook, type XeroWebhookEvent } from '../../systems/xero/webhooks.ts';
import type { ServerServices } from '../contract.ts';
import { linksForXeroTenant, recordAndEnqueue, type InboundEvent } from './enqueue.ts';
import { readXeroWebhookKey } from './xero-key.ts';

export type WebhookOutcome = { status: 200 | 400 | 401; fresh: number; jobs: string[] };

const entityOf: Record<string, 'vendor' | 'bill' | undefined> = { CONTACT: 'vendor', INVOICE: 'bill' };

/**
 * Xero's event identity. A payload carries no event id, and its sequence numbers restart when the
 * webhook is re-created, so an event is the resource, what happened to it and when: Xero's retries
 * repeat all five values exactly, while a later change of the same resource has a later
 * eventDateUtc. Kept per link (suffix) because one tenant may feed more than one link.
 */
export function xeroEventKey(e: XeroWebhookEvent, link: string): string {
  return `${e.tenantId}|${e.eventCategory}|${e.eventType}|${e.resourceId}|${e.eventDateUtc}@${link}`;
}

/**
 * POST /webhooks/xero (https://developer.xero.com/documentation/webhooks/configuring-your-server):
 * the signature is checked over the raw body before anything is parsed; a bad one is 401, a good
 * one is 200 with no body. The intent-to-receive probe is an empty event list and ends there.
 * Events are recorded once and followed up by a `records` job that re-reads the resources, since
 * Xero sends ids only (CONTACT → vendor, INVOICE → bill; other categories are not synced).
 */
export async function receiveXeroWebhook(services: ServerServices, rawBody: Buffer, signature: string | string[] | undefined): Promise<WebhookOutcome> {
  const webhookKey = await readXeroWebhookKey(services);
  if (!webhookKey) {
    services.log.error({ system: 'xero' }, 'a Xero webhook arrived but no webhook key is set: save it on the Xero app page');
    return { status: 401, fresh: 0, jobs: [] };
  }
  const read = readXeroWebhook({ rawBody, signature, webhookKey });
  if (!read.ok) {
    if (read.error.reason === 'bad_signature') {
      services.log.warn({ system: 'xero', bytes: rawBody.length }, 'Xero webhook refused: signature does not match');
      return { status: 401, fresh: 0, jobs: [] };
    }
    services.log.warn({ system: 'xero', err: read.error.error.message }, 'Xero webhook refused: unreadable payload');
    return { status: 400, fresh: 0, jobs: [] };
  }
  const inbound: InboundEvent[] = [];
  const routes = new Map<string, Awaited<ReturnType<typeof linksForXeroTenant>>>();
  for (const e of read.value.events) {
    const entity = entityOf[e.eventCategory];
    if (!entity) continue;
    if (!routes.has(e.tenantId)) routes.set(e.tenantId, await linksForXeroTenant(services, e.tenantId));
    const links = routes.get(e.tenantId)!;
    if (links.length === 0) services.log.info({ system: 'xero', tenantId: e.tenantId }, 'Xero event for a tenant no link uses; ignored');
    for (const route of links) {
      inbound.push({ route, eventKey: xeroEventKey(e, route.link), system: 'xero', entity, id: e.resourceId, payload: { ...e } });
    }
  }
  const { fresh, jobs } = await recordAndEnqueue(services, inbound);
  if (read.value.events.length > 0) services.log.info({ system: 'xero', events: read.value.events.length, fresh, jobs: jobs.length }, 'Xero webhook received');
  return { status: 200, fresh, jobs };
}
