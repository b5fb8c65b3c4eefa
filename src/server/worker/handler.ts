import { errorCatalogue, kindOf, type ErrorCode } from '../../core/errors.ts';
import { replay } from '../../engine/replay.ts';
import { syncLink, type EngineDeps, type RunResult } from '../../engine/sync.ts';
import type { Db } from '../../store/db.ts';
import { getLink } from '../../store/repos/links.ts';
import { markRunParked } from '../../store/repos/runs.ts';
import { PermanentJobError, type JobContext } from '../../store/queue.ts';
import type { LinkWork } from '../contract.ts';
import { RunTracker } from '../../engine/eta-tracker.ts';
import { linkAllowances, previousStats } from '../eta.ts';
import { ProgressWriter } from './progress.ts';
import { syncRecords } from './records.ts';
import { reconcileLinkWork, type ReconcileOutcome } from './reconcile.ts';

/** What a finished job stores as its output (pg-boss keeps it with the job; the API shows it). */
export interface LinkWorkOutput {
  runId: string;
  link: string;
  /** The run's status; 'parked' when it stopped at a used-up allowance and its work was queued again. */
  status: RunResult['status'] | 'parked';
  counts: RunResult['counts'];
  /** The process that ran it, so operators can tell workers apart. */
  pid: number;
  /** An allowance ran out: the same work was queued again to start then (ISO time). */
  parkedUntil?: string;
  /** The job that resumes parked work (null if the queue refused it). */
  resumedBy?: string | null;
}

/** A run that stopped with an error a retry can fix: thrown so pg-boss retries the job with backoff. */
export class RetryableRunError extends Error {
  override readonly name = 'RetryableRunError';
}

export interface HandlerHooks {
  /** Called with every finished run and the status it ends with (a parked run as 'parked'), for metrics. */
  onRun?: (work: LinkWork, status: LinkWorkOutput['status']) => void;
  /**
   * Queues the same work again to start at `at`: a run stopped by a used-up hourly or daily
   * allowance (MLC_ERR_DAILY_LIMIT) is parked until it resets instead of retried with backoff,
   * which would spend the job's retries long before the hour ends. Without it, such a run is retried.
   */
  park?: (work: LinkWork, at: Date) => Promise<string | null>;
}

/** Resume a little after the reset, so the clocks of this host and the vendor's need not agree to the second. */
export const parkMarginMs = 1_000;

/**
 * Runs one link-work job with the engine, exactly as the CLI would. A run that fails as a whole is
 * turned into the job's fate: needing a reconnection (the engine has already marked the
 * connection), bad configuration or a bug dead-letters the job at once, since retrying cannot fix
 * them; network trouble, limits and a link busy in another process are retried by the queue,
 * and a used-up hourly or daily allowance parks the work until it resets (HandlerHooks.park).
 * Records that failed inside a finished run do not fail the job: they stay visible and replayable.
 */
export async function handleLinkWork(deps: EngineDeps, db: Db, work: LinkWork, job: Pick<JobContext, 'id' | 'retryCount'> & { signal?: AbortSignal }, hooks: HandlerHooks = {}): Promise<LinkWorkOutput | ReconcileOutcome> {
  const link = await getLink(db, work.link);
  if (!link) throw new PermanentJobError(`link '${work.link}' does not exist (removed after the job was sent?)`);
  if (work.kind === 'reconcile') return reconcileLinkWork(deps, db, link);
  const kind = work.kind === 'replay' ? 'replay' : work.kind === 'records' ? 'records' : 'sync';
  // The run's ETA goes with its progress: the tracker counts what the run reads, writes and calls.
  const tracker = new RunTracker();
  const progress = new ProgressWriter(db, link.name, kind, 1000, { tracker, allowances: () => linkAllowances(db, link), previous: await previousStats(db, link.name, kind) });
  const tracked = tracker.track(deps);
  deps.log.info({ job: job.id, link: link.name, kind: work.kind, retry: job.retryCount }, 'link work started');
  let result: RunResult;
  try {
    // The job's signal: the run stops after the page at hand when this worker shuts down (or the
    // queue gives up on the job), and the retry resumes from the committed cursors.
    const options = {
      onProgress: progress.onProgress, ...(job.signal ? { signal: job.signal } : {}),
      // A poll, and the catch-up after missed webhooks, also validate what changed on the targets (engine/validate-changes.ts).
      ...(work.kind === 'sync' && (work.reason === 'poll' || work.reason === 'catch-up') ? { validateTargets: true } : {}),
    };
    result = await tracker.measure(async () =>
      work.kind === 'sync' ? await syncLink(tracked, link, work.steps || work.skipScheduled ? { ...options, steps: { ...(work.steps ? { only: work.steps } : {}), ...(work.skipScheduled ? { skipScheduled: true } : {}) } } : options)
      : work.kind === 'records' ? await syncRecords(tracked, link, work, options)
      : await replay(tracked, link, work.target, options));
  } finally {
    await progress.flush();
  }
  await progress.saveStats(result.runId).catch(() => undefined);
  deps.log.info({ job: job.id, link: link.name, runId: result.runId, status: result.status, error: result.error?.code }, 'link work finished');
  if (result.error) {
    const code = result.error.code as ErrorCode;
    const kindOfError = code in errorCatalogue ? kindOf(code) : 'bug';
    const message = `${result.error.code}: ${result.error.message} (run ${result.runId})`;
    if (code === 'MLC_ERR_DAILY_LIMIT' && result.error.retryAfterMs !== undefined && hooks.park) {
      // The committed pages stay committed; the queued job resumes from the saved cursors.
      const at = new Date(Date.now() + result.error.retryAfterMs + parkMarginMs);
      const resumedBy = await hooks.park(work, at);
      await markRunParked(db, result.runId);
      hooks.onRun?.(work, 'parked');
      deps.log.info({ job: job.id, link: link.name, runId: result.runId, resumesAt: at.toISOString(), resumedBy }, 'allowance used up: work parked until it resets');
      return { runId: result.runId, link: link.name, status: 'parked', counts: result.counts, pid: process.pid, parkedUntil: at.toISOString(), resumedBy };
    }
    hooks.onRun?.(work, result.status);
    if (kindOfError === 'retryable' || kindOfError === 'rate_limited' || code === 'MLC_ERR_CONFLICT') throw new RetryableRunError(message);
    throw new PermanentJobError(message);
  }
  hooks.onRun?.(work, result.status);
  return { runId: result.runId, link: link.name, status: result.status, counts: result.counts, pid: process.pid };
}
