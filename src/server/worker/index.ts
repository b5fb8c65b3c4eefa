import type { RunResult } from '../../engine/sync.ts';
import { linkWorkJob, type LinkWork, type ServerServices } from '../contract.ts';
import { handleLinkWork } from './handler.ts';

export interface WorkerOptions {
  /** Link-work jobs run at once in this process (default 2). Per-organisation serialisation holds regardless. */
  concurrency?: number;
  onRun?: (work: LinkWork, result: RunResult) => void;
}

/** Starts this process's link-work workers on the shared queue; queue.stop() ends them gracefully. */
export async function startLinkWorkers(services: Pick<ServerServices, 'deps' | 'db' | 'queue'>, options: WorkerOptions = {}): Promise<string> {
  return services.queue.work(linkWorkJob, (work, job) => handleLinkWork(services.deps, services.db, work, job, options.onRun ? { onRun: options.onRun } : {}), {
    localConcurrency: options.concurrency ?? 2,
  });
}
