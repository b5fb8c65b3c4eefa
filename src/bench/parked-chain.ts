import { linkWorkJob } from '../server/contract.ts';
import type { Queue } from '../store/queue.ts';

const terminal = new Set(['completed', 'failed', 'cancelled']);

/**
 * Where a piece of link work stands, following it through its parkings: a job that ended parked at
 * a used-up allowance names the job that resumes it (LinkWorkOutput.resumedBy), so the work is done
 * only when the last job of that chain has ended without being parked. `ended` is false while any
 * job of the chain is still to run; `current` is the job to look at next time.
 */
export async function followParked(queue: Queue, id: string): Promise<{ current: string; state: string; ended: boolean; parkings: number }> {
  let parkings = 0;
  for (let current = id; ; ) {
    const job = await queue.boss.getJobById<unknown>(linkWorkJob.name, current);
    if (!job) return { current, state: 'missing', ended: true, parkings };
    const output = job.output as { parkedUntil?: unknown; resumedBy?: unknown } | null;
    if (job.state === 'completed' && typeof output?.parkedUntil === 'string' && typeof output.resumedBy === 'string') {
      parkings += 1;
      current = output.resumedBy;
      continue;
    }
    return { current, state: job.state, ended: terminal.has(job.state), parkings };
  }
}
