import type { Progress } from '../../engine/context.ts';
import type { Db } from '../../store/db.ts';

/**
 * Writes a running job's progress to its run row for the API and dashboard. The engine reports
 * progress without the run id; the link's lease lets one run per link be 'running' at a time, so
 * the running row of this link and kind is the one. Writes are chained (never two at once) and at
 * most one per interval; the last one is always written by flush().
 */
export class ProgressWriter {
  private chain: Promise<void> = Promise.resolve();
  private lastWrite = 0;
  private pending: Progress | null = null;

  constructor(
    private readonly db: Db,
    private readonly link: string,
    private readonly kind: string,
    private readonly minIntervalMs = 1000,
  ) {}

  readonly onProgress = (p: Progress): void => {
    this.pending = p;
    if (Date.now() - this.lastWrite >= this.minIntervalMs) this.write();
  };

  private write(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    this.lastWrite = Date.now();
    const progress = JSON.stringify({ ...p, at: new Date().toISOString() });
    this.chain = this.chain
      .then(() => this.db.query("update runs set progress = $3::jsonb where link = $1 and kind = $2 and status = 'running'", [this.link, this.kind, progress]))
      .then(() => undefined, () => undefined);
  }

  async flush(): Promise<void> {
    this.write();
    await this.chain;
  }
}
