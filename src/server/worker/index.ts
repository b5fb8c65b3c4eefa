import type { RunResult } from '../../engine/sync.ts';
import { linkWorkJob, type LinkWork, type ServerServices } from '../contract.ts';
import { handleLinkWork } from './handler.ts';

export interface WorkerOptions {
  /** Link-work jobs run at once in this process (default 2). Per-organisation serialisation holds regardless. */
  concurrency?: number;
  onRun?: (work: LinkWork, result: RunResult) => void;
  /** Aborted when this process starts to shut down: running jobs stop after their current page. */
  stopping?: AbortSignal;
}

/** Starts this process's link-work workers on the shared queue; queue.stop() ends them gracefully. */
export async function startLinkWorkers(services: Pick<ServerServices, 'deps' | 'db' | 'queue'>, options: WorkerOptions = {}): Promise<string> {
  return services.queue.work(linkWorkJob, (work, job) => {
    const signal = options.stopping ? AbortSignal.any([job.signal, options.stopping]) : job.signal;
    return handleLinkWork(services.deps, services.db, work, { id: job.id, retryCount: job.retryCount, signal }, options.onRun ? { onRun: options.onRun } : {});
  }, {
    localConcurrency: options.concurrency ?? 2,
  });
}
