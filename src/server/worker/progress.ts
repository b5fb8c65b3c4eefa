import type { Progress } from '../../engine/context.ts';
import { estimateRunning, type Eta, type RunStats, type SystemAllowance } from '../../engine/eta.ts';
import type { RunTracker } from '../../engine/eta-tracker.ts';
import type { Db } from '../../store/db.ts';

/** What a writer needs to add an ETA to the progress it writes (engine/eta.ts). */
export interface EtaInputs {
  tracker: RunTracker;
  /** Each side's limits and where its windows stand now (read again at every write). */
  allowances: () => Promise<SystemAllowance[]>;
  /** The link's previous run of this kind, for what this run has not seen yet. */
  previous: RunStats | null;
}

/**
 * Writes a running job's progress to its run row for the API and dashboard. The engine reports
 * progress without the run id; the link's lease lets one run per link be 'running' at a time, so
 * the running row of this link and kind is the one. Writes are chained (never two at once) and at
 * most one per interval; the last one is always written by flush(). With `eta`, each write carries
 * the run's ETA, and saveStats keeps what the run measured with its row for the next estimate.
 */
export class ProgressWriter {
  private chain: Promise<void> = Promise.resolve();
  private lastWrite = 0;
  private pending: Progress | null = null;
  private last: Progress | null = null;
  private readonly timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly db: Db,
    private readonly link: string,
    private readonly kind: string,
    private readonly minIntervalMs = 1000,
    private readonly eta?: EtaInputs,
  ) {
    // The ETA moves while a long page is written with no progress reported: it is estimated again every interval.
    if (eta) {
      this.timer = setInterval(() => {
        if (Date.now() - this.lastWrite < this.minIntervalMs) return;
        this.pending ??= this.last;
        this.write();
      }, minIntervalMs);
      this.timer.unref();
    }
  }

  readonly onProgress = (p: Progress): void => {
    this.eta?.tracker.onProgress(p);
    this.pending = p;
    this.last = p;
    if (Date.now() - this.lastWrite >= this.minIntervalMs) this.write();
  };

  private write(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    this.lastWrite = Date.now();
    const at = new Date().toISOString();
    this.chain = this.chain
      .then(async () => {
        const eta = await this.estimate();
        const progress = JSON.stringify({ ...p, at, ...(eta ? { eta } : {}) });
        await this.db.query("update runs set progress = $3::jsonb where link = $1 and kind = $2 and status = 'running'", [this.link, this.kind, progress]);
      })
      .then(() => undefined, () => undefined);
  }

  /** The ETA now; none when it cannot be had (an unreadable limits override is the run's own error to raise). */
  private async estimate(): Promise<Eta | null> {
    if (!this.eta) return null;
    try {
      return estimateRunning(this.eta.tracker.observe(), await this.eta.allowances(), this.eta.previous);
    } catch {
      return null;
    }
  }

  async flush(): Promise<void> {
    clearInterval(this.timer);
    this.write();
    await this.chain;
  }

  /** Keeps the run's measured calls and duration in its progress (`stats`), once it has finished. */
  async saveStats(runId: string): Promise<void> {
    if (!this.eta) return;
    const stats = JSON.stringify(this.eta.tracker.stats());
    await this.db.query("update runs set progress = coalesce(progress, '{}'::jsonb) || jsonb_build_object('stats', $2::jsonb) where id = $1", [runId, stats]);
  }
}
