import { asConnectorError } from '../../core/errors.ts';
import { tryAcquireLease } from '../../store/repos/leases.ts';
import { linkJobKey, linkWorkJob, type ServerServices } from '../contract.ts';
import { notificationUrlFor } from './events.ts';
import { billOrgClient, ensureBillSubscription, ensureSubscriptionsForLinks } from './ensure.ts';
import { listSubscriptionRows, markChecked } from './store.ts';

export type MonitorServices = Pick<ServerServices, 'db' | 'box' | 'log' | 'publicUrl' | 'queue'>;

export interface SubscriptionCheck {
  organizationId: string;
  /** ok: enabled as it should be; reenabled: BILL had disabled it; recreated: BILL no longer had it. */
  outcome: 'ok' | 'reenabled' | 'recreated' | 'error';
  /** Catch-up sync jobs sent for the links of this organisation. */
  catchUpJobs: string[];
  error?: string;
}

/**
 * BILL disables a subscription after a notification fails five times, and sends nothing more until
 * it is enabled again (https://developer.bill.com/docs/working-with-bill-webhooks). This check
 * reads `status.enabled` of every stored subscription, enables any that BILL switched off (or
 * creates again one that was deleted), and then queues a `sync` with reason 'catch-up' for every
 * link of that organisation, because the events of the gap are not re-sent.
 */
export async function checkBillSubscriptions(services: MonitorServices): Promise<SubscriptionCheck[]> {
  const out: SubscriptionCheck[] = [];
  for (const row of await listSubscriptionRows(services.db)) {
    try {
      let outcome: SubscriptionCheck['outcome'] = 'ok';
      if (!row.subscriptionId) {
        await ensureBillSubscription(services, row.connectionId);
        outcome = 'recreated';
      } else {
        const { org } = await billOrgClient(services, row.connectionId);
        try {
          const current = await org.getSubscription(row.subscriptionId);
          const url = notificationUrlFor(services.publicUrl);
          if (!current.status.enabled || current.notificationUrl !== url) {
            await org.updateSubscription(current.id, { enabled: true, notificationUrl: url });
            outcome = current.status.enabled ? 'ok' : 'reenabled';
          }
          await markChecked(services.db, row.organizationId, true, outcome === 'reenabled');
        } catch (e) {
          if (asConnectorError(e).code !== 'MLC_ERR_NOT_FOUND') throw e;
          await ensureBillSubscription(services, row.connectionId);
          outcome = 'recreated';
        }
      }
      const catchUpJobs = outcome === 'ok' ? [] : await queueCatchUp(services, row.organizationId);
      if (outcome !== 'ok') services.log.warn({ organizationId: row.organizationId, outcome, catchUpJobs: catchUpJobs.length }, 'BILL subscription restored; catching up the gap');
      out.push({ organizationId: row.organizationId, outcome, catchUpJobs });
    } catch (e) {
      const err = asConnectorError(e);
      services.log.error({ organizationId: row.organizationId, code: err.code, err: err.message }, 'BILL subscription check failed');
      out.push({ organizationId: row.organizationId, outcome: 'error', catchUpJobs: [], error: `${err.code}: ${err.message}` });
    }
  }
  return out;
}

async function queueCatchUp(services: MonitorServices, organizationId: string): Promise<string[]> {
  const { rows } = await services.db.query<{ name: string }>(
    "select l.name from links l join connections c on c.id = l.bill_connection_id where c.system = 'bill' and c.tenant_id = $1 order by l.name",
    [organizationId],
  );
  const jobs: string[] = [];
  for (const { name } of rows) {
    const id = await services.queue.send(linkWorkJob, { kind: 'sync', link: name, reason: 'catch-up' }, { singletonKey: linkJobKey(organizationId) });
    if (id) jobs.push(id);
  }
  return jobs;
}

export interface SubscriptionMonitor {
  /** Runs one check now (unless another process holds the check's lease) and returns its results. */
  runOnce(): Promise<SubscriptionCheck[] | null>;
  stop(): void;
}

/**
 * Runs, on a timer in a worker process, the subscription set-up for organisations linked since the
 * last round and then checkBillSubscriptions. A lease makes one process at a time do
 * it when several workers share the database; the others skip that round.
 */
export function startSubscriptionMonitor(services: MonitorServices, options: { intervalMs?: number } = {}): SubscriptionMonitor {
  const intervalMs = options.intervalMs ?? 5 * 60_000;
  let running: Promise<SubscriptionCheck[] | null> | null = null;
  const runOnce = (): Promise<SubscriptionCheck[] | null> => {
    running ??= (async () => {
      const lease = await tryAcquireLease(services.db, 'bill-subscriptions-check', Math.max(intervalMs, 60_000));
      if (!lease) return null;
      try {
        await ensureSubscriptionsForLinks(services, { onlyMissing: true });
        return await checkBillSubscriptions(services);
      } finally {
        await lease.release().catch(() => undefined);
      }
    })().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((e: unknown) => services.log.error({ err: asConnectorError(e).message }, 'BILL subscription check failed'));
  }, intervalMs);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
