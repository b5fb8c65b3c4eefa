import type { Logger } from '../../core/log.ts';
import type { Link } from '../../model/link.ts';
import type { Db } from '../../store/db.ts';
import { listLinks } from '../../store/repos/links.ts';
import type { Queue } from '../../store/queue.ts';
import { linkWorkJob, linkWorkKey, linkWorkPriority, type LinkWork } from '../contract.ts';
import { checkPollCron } from './cron.ts';
import { pairDefinitions } from '../../pairs/index.ts';

export { checkPollCron } from './cron.ts';

/** What a link's poll schedule should look like in pg-boss's schedule table. */
export interface PollSchedule {
  /** The pg-boss schedule key: the link's name for its poll, `<link>/<step>` for a step's own schedule. */
  key: string;
  link: string;
  /** The link setting the cron comes from. */
  setting: string;
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
 * link name) that sends a `sync` job with reason 'poll' under the link's BILL-organisation key; a
 * step its pair runs on a schedule of its own gets one more (key `<link>/<step>`).
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

  /**
   * The link's poll, and one schedule per step of its pair that runs on its own (a BILL → QBO
   * link's payments, on its `paymentsCron`), keyed `<link>/<step>`; the poll then leaves those out.
   * A link whose pair this version lacks has its poll only (the run then says why it cannot sync).
   */
  async desired(link: Link): Promise<PollSchedule[]> {
    const singletonKey = await linkWorkKey(this.db, link);
    const scheduled = pairDefinitions[link.pair]?.steps.filter((s) => s.schedule) ?? [];
    const poll: PollSchedule = {
      key: link.name, link: link.name, cron: link.settings.pollCron, setting: 'pollCron', singletonKey,
      data: { kind: 'sync', link: link.name, reason: 'poll', ...(scheduled.length > 0 ? { skipScheduled: true } : {}) },
    };
    return [poll, ...scheduled.map((step): PollSchedule => {
      const configured = (link.settings as Record<string, unknown>)[step.schedule!.setting];
      return {
        // pg-boss takes schedule keys of letters, digits, '_', '-', '.' and '/' only; a link name never holds '/'.
        key: `${link.name}/${step.entity}`, link: link.name, setting: step.schedule!.setting, singletonKey,
        cron: typeof configured === 'string' ? configured : step.schedule!.defaultCron,
        data: { kind: 'sync', link: link.name, reason: 'poll', steps: [step.entity] },
      };
    })];
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
      for (const want of await this.desired(link)) {
        const have = existing.get(want.key);
        existing.delete(want.key);
        if (have && have.cron === want.cron && have.options?.singletonKey === want.singletonKey && (have.options?.priority ?? 0) === linkWorkPriority(want.data) && JSON.stringify(have.data) === JSON.stringify(want.data)) continue;
        const problem = checkPollCron(this.queue, want.cron);
        if (problem) {
          this.log.warn({ link: link.name, [want.setting]: want.cron, problem }, `link has an unreadable ${want.setting}; it is not scheduled`);
          if (have) await boss.unschedule(linkWorkJob.name, want.key);
          changes.invalid.push(want.key);
          continue;
        }
        await boss.schedule(linkWorkJob.name, want.cron, want.data, { key: want.key, tz: 'UTC', singletonKey: want.singletonKey, priority: linkWorkPriority(want.data) });
        changes.scheduled.push(want.key);
      }
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
   * without waiting for the next minute boundary (`key`: the link's name, or `<link>/<step>`).
   * Returns the job id, or null without a schedule.
   */
  async fireNow(key: string): Promise<string | null> {
    const schedule = await this.queue.boss.getSchedule(linkWorkJob.name, key);
    if (!schedule) return null;
    const singletonKey = schedule.options?.singletonKey;
    return this.queue.send(linkWorkJob, schedule.data as LinkWork, { ...(singletonKey ? { singletonKey } : {}), priority: linkWorkPriority(schedule.data as LinkWork) });
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
