import type { PgBoss } from 'pg-boss';
import type { Queue } from '../../store/queue.ts';
import { interactivePriority, linkWorkJob, parkLinkWork, type LinkWork, type ServerServices } from '../contract.ts';
import { handleLinkWork, type HandlerHooks } from './handler.ts';

export interface WorkerOptions {
  /**
   * Link-work jobs of any kind run at once in this process (default 2), plus one worker for
   * interactive work only. Per-organisation serialisation holds regardless.
   */
  concurrency?: number;
  onRun?: HandlerHooks['onRun'];
  /** Aborted when this process starts to shut down: running jobs stop after their current page. */
  stopping?: AbortSignal;
}

/** This process's link-work workers, by the queue instance they fetch from. */
const workersOf = new WeakMap<PgBoss, Set<string>>();

/**
 * Wakes this process's link-work workers to fetch now rather than at their next poll (every 0.5 s
 * when idle): called once a job is committed. Workers in other processes still find it by polling.
 */
export function wakeLinkWorkers(queue: Pick<Queue, 'boss'>): void {
  for (const id of workersOf.get(queue.boss) ?? []) queue.boss.notifyWorker(id);
}

/**
 * Starts this process's link-work workers on the shared queue; queue.stop() ends them gracefully.
 * Each worker is its own pg-boss worker, so each can be woken: on enqueue (wakeLinkWorkers), and at
 * the end of each job, when it fetches again at once instead of waiting out the rest of its polling
 * interval (pg-boss subtracts the job's duration from it), since another job of the same
 * organisation may be waiting for this one to end. Returns the first worker's id.
 */
export async function startLinkWorkers(services: Pick<ServerServices, 'deps' | 'db' | 'queue'>, options: WorkerOptions = {}): Promise<string> {
  const ids: string[] = [];
  const mine = workersOf.get(services.queue.boss) ?? new Set<string>();
  workersOf.set(services.queue.boss, mine);
  // One more worker than asked, kept for interactive work (interactivePriority: webhook follow-ups,
  // replays, payments back): with every other worker inside a long first sync, a payment's
  // follow-up still starts at once rather than when one of them ends.
  const general = options.concurrency ?? 2;
  for (let i = 0; i <= general; i += 1) {
    let id: string | undefined;
    id = await services.queue.work(linkWorkJob, async (work, job) => {
      const signal = options.stopping ? AbortSignal.any([job.signal, options.stopping]) : job.signal;
      try {
        // A parked run's work is queued again under the same key, to start once the allowance resets.
        const park = (again: LinkWork, at: Date) => parkLinkWork(services, job.singletonKey, again, at);
        return await handleLinkWork(services.deps, services.db, work, { id: job.id, retryCount: job.retryCount, signal }, { park, ...(options.onRun ? { onRun: options.onRun } : {}) });
      } finally {
        if (id !== undefined) services.queue.boss.notifyWorker(id);
      }
    }, { localConcurrency: 1, ...(i === general ? { minPriority: interactivePriority } : {}) });
    mine.add(id);
    ids.push(id);
  }
  return ids[0]!;
}
