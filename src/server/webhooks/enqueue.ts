import type { WebhookEntity } from '../../app/systems/webhook.ts';
import type { SystemId } from '../../systems/types.ts';
import type { LinkWork } from '../contract.ts';
import { linkJobKey, linkWorkJob, linkWorkPriority, type ServerServices } from '../contract.ts';
import { wakeLinkWorkers } from '../worker/index.ts';

/** A link a webhook concerns, with the hub organisation whose singleton key serialises its work. */
export interface LinkRoute {
  link: string;
  hubTenant: string;
}

/**
 * Links with a side on this tenant of this system, whichever side it is (the ERP tenant or the
 * hub organisation). Each carries its hub organisation, which serialises the link's work.
 */
export async function linksForTenant(services: Pick<ServerServices, 'db'>, system: SystemId, tenantId: string): Promise<LinkRoute[]> {
  const { rows } = await services.db.query<{ link: string; hub_tenant: string | null }>(
    `select l.name as link, h.tenant_id as hub_tenant from links l
       join connections e on e.id = l.erp_connection_id
       join connections h on h.id = l.bill_connection_id
      where (e.system = $1 and e.tenant_id = $2) or (h.system = $1 and h.tenant_id = $2) order by l.name`,
    [system, tenantId],
  );
  return rows.filter((r) => r.hub_tenant).map((r) => ({ link: r.link, hubTenant: r.hub_tenant! }));
}

/** One received event for one link: its dedupe key, what to re-read, and the row to keep. */
export interface InboundEvent {
  route: LinkRoute;
  /** Unique per system and link (see the callers for what identifies an event). */
  eventKey: string;
  system: SystemId;
  entity: WebhookEntity;
  id: string;
  /** What is kept in webhook_events: identifiers only, no entity data. */
  payload: Record<string, unknown>;
}

const maxIdsPerJob = 500;

/**
 * Records each event once in webhook_events and sends one `records` job per link and entity for
 * the events not seen before, in one transaction: a row exists only with its job, so a crash
 * between the two cannot lose the follow-up, and a repeated delivery finds the row and adds
 * nothing. Returns how many events were new and the jobs sent. Once committed, this process's
 * workers are woken, so a follow-up starts at once rather than at the next poll.
 */
export async function recordAndEnqueue(services: Pick<ServerServices, 'db' | 'queue'>, events: readonly InboundEvent[]): Promise<{ fresh: number; jobs: string[] }> {
  if (events.length === 0) return { fresh: 0, jobs: [] };
  const sent = await services.db.transaction(async (tx) => {
    const groups = new Map<string, { route: LinkRoute; system: InboundEvent['system']; entity: InboundEvent['entity']; ids: Set<string>; rowIds: number[] }>();
    let fresh = 0;
    for (const e of events) {
      const { rows } = await tx.query<{ id: number }>(
        `insert into webhook_events (system, event_key, link, payload) values ($1, $2, $3, $4::jsonb)
         on conflict (system, event_key) do nothing returning id`,
        [e.system, e.eventKey, e.route.link, JSON.stringify(e.payload)],
      );
      if (!rows[0]) continue;
      fresh += 1;
      const groupKey = `${e.route.link}|${e.system}|${e.entity}`;
      const group = groups.get(groupKey) ?? { route: e.route, system: e.system, entity: e.entity, ids: new Set<string>(), rowIds: [] };
      group.ids.add(e.id);
      group.rowIds.push(rows[0].id);
      groups.set(groupKey, group);
    }
    const jobs: string[] = [];
    for (const g of groups.values()) {
      const ids = [...g.ids];
      for (let i = 0; i < ids.length; i += maxIdsPerJob) {
        const work: LinkWork = { kind: 'records', link: g.route.link, system: g.system, entity: g.entity, ids: ids.slice(i, i + maxIdsPerJob) };
        const jobId = await services.queue.send(linkWorkJob, work, { tx, singletonKey: linkJobKey(g.route.hubTenant), priority: linkWorkPriority(work) });
        if (jobId) jobs.push(jobId);
        if (jobId && i === 0) await tx.query('update webhook_events set job_id = $1 where id = any($2::bigint[])', [jobId, g.rowIds]);
      }
    }
    return { fresh, jobs };
  });
  if (sent.jobs.length > 0) wakeLinkWorkers(services.queue);
  return sent;
}
