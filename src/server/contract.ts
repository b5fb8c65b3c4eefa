import { z } from 'zod';
import type { Logger } from '../core/log.ts';
import type { Link } from '../model/link.ts';
import type { EngineDeps } from '../engine/sync.ts';
import { systemIds } from '../model/types.ts';
import { getConnection } from '../store/repos/connections.ts';
import type { Db } from '../store/db.ts';
import { defineJob, type Queue } from '../store/queue.ts';
import type { ReconcileOutcome } from './worker/reconcile.ts';
import type { SecretBox } from '../store/repos/secret-box.ts';

/**
 * What every part of the server (API, webhooks, connect pages, dashboard, workers) receives. The
 * server adds no second way of syncing: every change of data goes through a job on the durable
 * queue, which a worker runs with the same engine as the CLI.
 */
export interface ServerServices {
  db: Db;
  box: SecretBox;
  log: Logger;
  deps: EngineDeps;
  /** The durable queue. A process started with the 'web' role only sends jobs; workers run them. */
  queue: Queue;
  /** The API token (ML_CONNECTOR_API_TOKEN, or created on first start). Compare in constant time. */
  apiToken: string;
  /** The server's own base URL as seen by browsers and webhook senders, e.g. http://127.0.0.1:8080. */
  publicUrl: string;
}

/**
 * All work on one link is one queue, serialised per BILL organisation: the singleton key is
 * `bill:<organisation id>` (see `linkJobKey`). BILL is the hub of every pair, so this keeps each
 * organisation's 3-in-flight limit across all worker processes, and the link lease stays a second
 * guard. pg-boss 'singleton' policy: one active job per key, any number waiting.
 */
export const linkWorkSchema = z.discriminatedUnion('kind', [
  /** A delta sync from the saved cursors (poll, "sync now", catch-up after a subscription gap). */
  z.object({
    kind: z.literal('sync'), link: z.string().min(1), reason: z.enum(['poll', 'manual', 'webhook', 'catch-up']),
    /** A step's own schedule runs only it; the poll of a pair with such steps leaves them out (engine RunOptions.steps). */
    steps: z.array(z.string().min(1)).min(1).optional(),
    skipScheduled: z.boolean().optional(),
  }),
  /** Webhook follow-up: re-read these records by id from their source and sync them. */
  z.object({
    kind: z.literal('records'),
    link: z.string().min(1),
    system: z.enum(systemIds),
    entity: z.enum(['vendor', 'bill', 'payment']),
    ids: z.array(z.string().min(1)).min(1).max(500),
  }),
  /** Compare both ledgers (reads only); the report is the job's output. */
  z.object({ kind: z.literal('reconcile'), link: z.string().min(1) }),
  /** Replay failed records (all, or one by either side's id). */
  z.object({ kind: z.literal('replay'), link: z.string().min(1), target: z.union([z.object({ failed: z.literal(true) }), z.object({ id: z.string().min(1) })]) }),
]);
export type LinkWork = z.output<typeof linkWorkSchema>;

export const linkWorkJob = defineJob('link-work', linkWorkSchema, { policy: 'singleton', retryLimit: 5, retryDelay: 10 });

/**
 * pg-boss priority of work a person or a payment is waiting on: webhook follow-ups, replays and a
 * step's own schedule (payments back). Workers fetch higher priorities first, and each process keeps
 * one worker for them alone (worker/index.ts), so such work is not stuck behind first syncs holding
 * every other worker. Polls, "sync now", catch-up and reconcile run at 0.
 */
export const interactivePriority = 10;

export function linkWorkPriority(work: LinkWork): number {
  const interactive = work.kind === 'records' || work.kind === 'replay' || (work.kind === 'sync' && work.steps !== undefined);
  return interactive ? interactivePriority : 0;
}

/** Singleton key for a link's work: its BILL organisation. */
export const linkJobKey = (billOrganisationId: string): string => `bill:${billOrganisationId}`;

/**
 * The singleton key of a link's work. A link whose BILL connection has no organisation id yet is
 * keyed by the connection id, which still serialises its own work.
 */
export async function linkWorkKey(db: Db, link: Pick<Link, 'billConnectionId'>): Promise<string> {
  const bill = await getConnection(db, link.billConnectionId);
  return linkJobKey(bill?.tenant_id ?? link.billConnectionId);
}

/** JSON with object keys sorted, so two payloads compare by content whatever their key order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

/**
 * The one way the API, the dashboard and the schedulers start work: a link-work job under the
 * link's key, which a worker runs with the engine. The same work already waiting under the key and
 * not yet started (a poll behind a parked sync, "sync now" pressed twice) is not queued twice: a
 * job reads from the cursors when it starts, so the waiting one does all the second would; its id
 * is returned. Null when pg-boss refused a duplicate.
 */
export async function sendLinkWork(services: Pick<ServerServices, 'db' | 'queue'>, link: Pick<Link, 'billConnectionId'>, work: LinkWork): Promise<string | null> {
  const singletonKey = await linkWorkKey(services.db, link);
  return (await waitingCopy(services, singletonKey, work)) ?? services.queue.send(linkWorkJob, work, { singletonKey, priority: linkWorkPriority(work) });
}

/** A job of the same work waiting under the key, not yet started, if any. */
async function waitingCopy(services: Pick<ServerServices, 'queue'>, singletonKey: string, work: LinkWork): Promise<string | null> {
  const waiting = await services.queue.boss.findJobs<unknown>(linkWorkJob.name, { key: singletonKey, data: work, queued: true });
  return waiting.find((j) => canonical(j.data) === canonical(work))?.id ?? null;
}

/**
 * Queues work a run left parked at a used-up allowance to start at `at`, under the same key, unless
 * the very same work already waits under that key (a poll or a second park): that job resumes it,
 * and one parked copy per piece of work is enough. The id of the job that will resume it.
 */
export async function parkLinkWork(services: Pick<ServerServices, 'queue'>, singletonKey: string | null | undefined, work: LinkWork, at: Date): Promise<string | null> {
  const copy = singletonKey ? await waitingCopy(services, singletonKey, work) : null;
  return copy ?? services.queue.send(linkWorkJob, work, { ...(singletonKey ? { singletonKey } : {}), startAfter: at, priority: linkWorkPriority(work) });
}

/**
 * Queues a reconciliation of the link and waits up to `waitMs` for a worker to finish it (it waits
 * behind work already running on the organisation). Null outcome: still waiting; the job id tells
 * where its report will be.
 */
export async function reconcileThroughQueue(
  services: Pick<ServerServices, 'db' | 'queue'>,
  link: Pick<Link, 'name' | 'billConnectionId'>,
  waitMs: number,
): Promise<{ jobId: string | null; outcome: ReconcileOutcome | null }> {
  const jobId = await sendLinkWork(services, link, { kind: 'reconcile', link: link.name });
  if (!jobId) return { jobId, outcome: null };
  for (const deadline = Date.now() + waitMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const job = await services.queue.boss.getJobById<LinkWork>(linkWorkJob.name, jobId);
    if (job?.state === 'completed') return { jobId, outcome: job.output as ReconcileOutcome };
    if (job && (job.state === 'failed' || job.state === 'cancelled')) {
      const message = typeof job.output === 'object' && job.output && 'message' in job.output ? String(job.output.message) : `the reconcile job ended ${job.state}`;
      return { jobId, outcome: { link: link.name, at: new Date().toISOString(), report: null, error: { code: 'MLC_ERR_BUG', message } } };
    }
  }
  return { jobId, outcome: null };
}
