import { createHash } from 'node:crypto';
import { linkWorkJob, type LinkWork, type ServerServices } from '../contract.ts';
import type { LinkWorkOutput } from '../worker/handler.ts';
import { runningWork, waitingJobs, workEtas, type RunningWork } from '../work-etas.ts';

/**
 * What is waiting or running, for the pages' progress display. The dashboard changes data only by
 * sending link-work jobs (`sendLinkWork` in contract.ts); workers run them with the engine.
 */
export interface WaitingWork {
  link: string;
  kind: LinkWork['kind'];
  detail: string;
  jobId: string;
  /** When it is expected to start and be done, in words (work-etas.ts). */
  eta: string | null;
}

const describe = (w: LinkWork): string => {
  switch (w.kind) {
    case 'sync': return `sync (${w.reason})`;
    case 'records': return `${w.ids.length} ${w.entity} record(s) from ${w.system}`;
    case 'reconcile': return 'reconciliation';
    default: return 'failed' in w.target ? 'replay of failed records' : `replay of ${w.target.id}`;
  }
};

export interface Activity {
  waiting: WaitingWork[];
  running: (RunningWork & { eta: string | null })[];
  /** Changes whenever a job is queued, starts or finishes: pages reload when it differs from theirs. */
  signature: string;
}

/** The page marks that make dashboard.js refresh a page when work starts or ends. */
export const activityMarks = (a: Activity): { signature: string; busy: boolean } => ({ signature: a.signature, busy: a.running.length + a.waiting.length > 0 });

/** What is waiting and running now, each with its ETA, and a signature of it for the pages' refresh check. */
export async function currentActivity(services: ServerServices): Promise<Activity> {
  const [jobs, running, latest] = await Promise.all([
    waitingJobs(services.queue),
    runningWork(services.db),
    services.db.query<{ id: string }>("select id from runs where status <> 'running' order by finished_at desc nulls last, id desc limit 1"),
  ]);
  const etas = await workEtas(services.db, running, jobs);
  const byRun = new Map(etas.filter((e) => e.runId).map((e) => [e.runId!, e.text]));
  const byJob = new Map(etas.filter((e) => e.jobId).map((e) => [e.jobId!, e.text]));
  const waiting = jobs.map((j) => ({ link: j.work.link, kind: j.work.kind, detail: describe(j.work), jobId: j.id, eta: byJob.get(j.id) ?? null }));
  // The ETAs move every second: they stay out of the signature, which only changes when work starts or ends.
  const state = JSON.stringify([waiting.map((w) => [w.link, w.detail]), running.map((r) => r.id), latest.rows[0]?.id ?? null]);
  return {
    waiting,
    running: running.map((r) => ({ ...r, eta: byRun.get(r.id) ?? null })),
    signature: createHash('sha256').update(state).digest('hex').slice(0, 16),
  };
}

/** Where a job the person started from a page stands: still to run, done with its run, or ended without one. */
export type JobOutcome =
  | { state: 'waiting' }
  | { state: 'done'; output: LinkWorkOutput }
  | { state: 'failed'; message: string };

const jobIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The outcome of a link-work job by its id (from the page's `job` query, set when the button was
 * pressed), so the page that follows a replay can say what came of it. Null for an unknown id.
 */
export async function jobOutcome(services: ServerServices, id: string | undefined): Promise<JobOutcome | null> {
  if (!id || !jobIdPattern.test(id)) return null;
  const job = await services.queue.boss.getJobById<unknown>(linkWorkJob.name, id);
  if (!job) return null;
  if (job.state === 'completed') {
    const output = job.output as Partial<LinkWorkOutput> | null;
    return output && typeof output.runId === 'string' ? { state: 'done', output: output as LinkWorkOutput } : { state: 'failed', message: 'the job ended without a run' };
  }
  if (job.state === 'failed' || job.state === 'cancelled') {
    const output = job.output as { message?: unknown } | null;
    return { state: 'failed', message: typeof output?.message === 'string' ? output.message : `the job was ${job.state}` };
  }
  return { state: 'waiting' };
}
