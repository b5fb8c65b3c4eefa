import type { Logger } from '../../core/log.ts';
import type { Link } from '../../model/link.ts';
import type { Db } from '../../store/db.ts';
import { listLinks } from '../../store/repos/links.ts';
import type { Queue } from '../../store/queue.ts';
import { linkWorkJob, linkWorkKey, type LinkWork } from '../contract.ts';
import { checkPollCron } from './cron.ts';

export { checkPollCron } from './cron.ts';

/** What a link's poll schedule should look like in pg-boss's schedule table. */
export interface PollSchedule {
  link: string;
  cron: string;
  data: LinkWork;
  singletonKey: string;
}

export interface ScheduleChanges {
  /** Links whose schedule was created or changed. */
  scheduled: string[];
  /** Schedules removed because their link is gone. */
  removed: string[];
  /** Links left without a schedule because their pollCron cannot be read (logged). */
  invalid: string[];
}

/**
 * Each link polls on its settings.pollCron: a pg-boss schedule per link (queue 'link-work', key =
 * link name) that sends a `sync` job with reason 'poll' under the link's BILL-organisation key.
 * pg-boss stores schedules in the database and its timekeeper (running in every worker process,
 * which take turns) sends the due ones, so a poll fires once however many processes run.
 *
 * The schedule table is kept in step with the links table by `reconcile()`: at start, after the
 * API changes a link, and every `intervalMs` in worker processes (which also catches links changed
 * from the CLI).
 */
export class PollScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly queue: Queue,
    private readonly log: Logger,
  ) {}

  async desired(link: Link): Promise<PollSchedule> {
    return {
      link: link.name,
      cron: link.settings.pollCron,
      data: { kind: 'sync', link: link.name, reason: 'poll' },
      singletonKey: await linkWorkKey(this.db, link),
    };
  }

  /** Creates, updates and removes schedules so they match the links table. Runs one at a time. */
  reconcile(): Promise<ScheduleChanges> {
    const next = this.running.then(() => this.reconcileNow());
    this.running = next.catch(() => undefined);
    return next;
  }

  private async reconcileNow(): Promise<ScheduleChanges> {
    const boss = this.queue.boss;
    const links = await listLinks(this.db);
    const existing = new Map((await boss.getSchedules(linkWorkJob.name)).map((s) => [s.key, s]));
    const changes: ScheduleChanges = { scheduled: [], removed: [], invalid: [] };
    for (const link of links) {
      const want = await this.desired(link);
      const have = existing.get(link.name);
      existing.delete(link.name);
      if (have && have.cron === want.cron && have.options?.singletonKey === want.singletonKey && JSON.stringify(have.data) === JSON.stringify(want.data)) continue;
      const problem = checkPollCron(this.queue, want.cron);
      if (problem) {
        this.log.warn({ link: link.name, pollCron: want.cron, problem }, 'link has an unreadable pollCron; it is not polled');
        if (have) await boss.unschedule(linkWorkJob.name, link.name);
        changes.invalid.push(link.name);
        continue;
      }
      await boss.schedule(linkWorkJob.name, want.cron, want.data, { key: link.name, tz: 'UTC', singletonKey: want.singletonKey });
      changes.scheduled.push(link.name);
    }
    for (const key of existing.keys()) {
      await boss.unschedule(linkWorkJob.name, key);
      changes.removed.push(key);
    }
    if (changes.scheduled.length || changes.removed.length) this.log.info(changes, 'poll schedules updated');
    return changes;
  }

  /**
   * Sends the job a link's stored schedule sends when it comes due, now: the same data and
   * singleton key, read from pg-boss's schedule row. Lets tests (and an operator) fire a poll
   * without waiting for the next minute boundary. Returns the job id, or null without a schedule.
   */
  async fireNow(linkName: string): Promise<string | null> {
    const schedule = await this.queue.boss.getSchedule(linkWorkJob.name, linkName);
    if (!schedule) return null;
    const singletonKey = schedule.options?.singletonKey;
    return this.queue.send(linkWorkJob, schedule.data as LinkWork, singletonKey ? { singletonKey } : {});
  }

  /** Reconciles now and then every intervalMs until stop(). */
  async start(intervalMs = 60_000): Promise<void> {
    await this.reconcile();
    this.timer = setInterval(() => {
      this.reconcile().catch((e: unknown) => this.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'poll schedule update failed'));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
