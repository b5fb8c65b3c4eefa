import { displayName, systemEntry } from '../../app/systems/index.ts';
import type { ServerServices } from '../contract.ts';
import { linksForTenant, recordAndEnqueue, type InboundEvent, type LinkRoute } from './enqueue.ts';

export type WebhookOutcome = { status: 200 | 400 | 401 | 403 | 404; fresh: number; jobs: string[] };

/**
 * POST /webhooks/<system> (or /webhooks/<system>/<tenant>, when the receiver takes a tenant in its
 * URL): the system's receiver (app/systems) checks the signature over the raw body, reads the
 * events and refuses those of a tenant it does not serve or the URL does not name; each event goes
 * to every link with a side on its tenant, is recorded once per link and followed up by a
 * `records` job that re-reads it. A system that is not registered, sends no webhooks the connector
 * follows, or takes no tenant in its URL when one is given, is 404.
 */
export async function receiveWebhook(services: ServerServices, system: string, rawBody: Buffer, headers: Record<string, string | string[] | undefined>, scope?: string): Promise<WebhookOutcome> {
  const entry = systemEntry(system);
  if (!entry?.webhook || (scope !== undefined && !entry.webhook.scoped)) return { status: 404, fresh: 0, jobs: [] };
  const reading = await entry.webhook.read(services, rawBody, headers[entry.webhook.signatureHeader], scope);
  if (reading.status !== 200) return { status: reading.status, fresh: 0, jobs: [] };
  const inbound: InboundEvent[] = [];
  const routes = new Map<string, LinkRoute[]>();
  for (const e of reading.events) {
    if (!routes.has(e.tenantId)) routes.set(e.tenantId, await linksForTenant(services, entry.id, e.tenantId));
    const links = routes.get(e.tenantId)!;
    if (links.length === 0) services.log.info({ system: entry.id, tenantId: e.tenantId }, `${displayName(entry.id)} event for a tenant no link uses; ignored`);
    for (const route of links) inbound.push({ route, eventKey: e.eventKey(route.link), system: entry.id, entity: e.entity, id: e.id, payload: e.payload });
  }
  const { fresh, jobs } = await recordAndEnqueue(services, inbound);
  if (reading.events.length > 0) services.log.info({ system: entry.id, events: reading.events.length, fresh, jobs: jobs.length }, `${displayName(entry.id)} webhook received`);
  return { status: 200, fresh, jobs };
}
