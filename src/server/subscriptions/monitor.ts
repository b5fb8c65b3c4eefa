import { registeredEntries } from '../../app/systems/index.ts';
import type { SubscriptionCheck } from '../../app/systems/webhook.ts';
import { asConnectorError } from '../../core/errors.ts';
import { tryAcquireLease } from '../../store/repos/leases.ts';
import { linkJobKey, linkWorkJob, type ServerServices } from '../contract.ts';

export type MonitorServices = Pick<ServerServices, 'db' | 'box' | 'log' | 'publicUrl' | 'queue'>;

/** One subscription as checked, and the catch-up syncs queued for its tenant's links. */
export interface CheckedSubscription extends SubscriptionCheck {
  system: string;
  catchUpJobs: string[];
}

/** Sets up the webhook subscriptions of every system that needs them (at start, after connecting, each monitor round). */
export async function ensureWebhookSubscriptions(services: Omit<MonitorServices, 'queue'>, options: { onlyMissing?: boolean } = {}): Promise<void> {
  for (const entry of registeredEntries()) {
    if (!entry.subscriptions) continue;
    try {
      await entry.subscriptions.ensure(services, options);
    } catch (e) {
      services.log.error({ system: entry.id, err: asConnectorError(e).message }, 'could not set up webhook subscriptions');
    }
  }
}

/**
 * Checks every system's stored subscriptions (each system repairs its own) and queues a `sync`
 * with reason 'catch-up' for every link of a tenant whose subscription had been disabled or lost:
 * the vendor does not re-send the events of the gap.
 */
export async function checkWebhookSubscriptions(services: MonitorServices): Promise<CheckedSubscription[]> {
  const out: CheckedSubscription[] = [];
  for (const entry of registeredEntries()) {
    if (!entry.subscriptions) continue;
    for (const check of await entry.subscriptions.check(services)) {
      const missed = check.outcome === 'reenabled' || check.outcome === 'recreated';
      const catchUpJobs = missed ? await queueCatchUp(services, entry.id, check.tenantId) : [];
      if (missed) services.log.warn({ system: entry.id, tenantId: check.tenantId, outcome: check.outcome, catchUpJobs: catchUpJobs.length }, 'webhook subscription restored; catching up the gap');
      out.push({ ...check, system: entry.id, catchUpJobs });
    }
  }
  return out;
}

/** Links with a connection of `system` to `tenantId` on either side. */
async function queueCatchUp(services: MonitorServices, system: string, tenantId: string): Promise<string[]> {
  const { rows } = await services.db.query<{ name: string; hub_tenant: string }>(
    `select l.name, h.tenant_id as hub_tenant from links l
       join connections e on e.id = l.erp_connection_id
       join connections h on h.id = l.bill_connection_id
      where (e.system = $1 and e.tenant_id = $2) or (h.system = $1 and h.tenant_id = $2)
      order by l.name`,
    [system, tenantId],
  );
  const jobs: string[] = [];
  for (const { name, hub_tenant } of rows) {
    // The link's work queue is keyed by its hub organisation (BILL's limits are per organisation).
    const id = await services.queue.send(linkWorkJob, { kind: 'sync', link: name, reason: 'catch-up' }, { singletonKey: linkJobKey(hub_tenant) });
    if (id) jobs.push(id);
  }
  return jobs;
}

export interface SubscriptionMonitor {
  /** Runs one round now (unless another process holds the round's lease) and returns its checks. */
  runOnce(): Promise<CheckedSubscription[] | null>;
  stop(): void;
}

/**
 * Runs, on a timer in a worker process, the subscription set-up for tenants linked since the last
 * round and then the checks. A lease makes one process at a time do it when several workers share
 * the database; the others skip that round.
 */
export function startSubscriptionMonitor(services: MonitorServices, options: { intervalMs?: number } = {}): SubscriptionMonitor {
  const intervalMs = options.intervalMs ?? 5 * 60_000;
  let running: Promise<CheckedSubscription[] | null> | null = null;
  const runOnce = (): Promise<CheckedSubscription[] | null> => {
    running ??= (async () => {
      const lease = await tryAcquireLease(services.db, 'webhook-subscriptions-check', Math.max(intervalMs, 60_000));
      if (!lease) return null;
      try {
        await ensureWebhookSubscriptions(services, { onlyMissing: true });
        return await checkWebhookSubscriptions(services);
      } finally {
        await lease.release().catch(() => undefined);
      }
    })().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((e: unknown) => services.log.error({ err: asConnectorError(e).message }, 'webhook subscription check failed'));
  }, intervalMs);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
