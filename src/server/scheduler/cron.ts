import type { Queue } from '../../store/queue.ts';

/** Five fields (minute hour day-of-month month day-of-week) or six with seconds first. */
const cronShape = /^\S+(\s+\S+){4,5}$/;

/**
 * Why a pollCron cannot be used, or null when it can. The expression is checked by pg-boss itself
 * (previewSchedule parses it the way its timekeeper will), after a shape check that keeps out the
 * RFC 5545 rules pg-boss also accepts: settings speak cron only.
 */
export function checkPollCron(queue: Queue, cron: string): string | null {
  if (!cronShape.test(cron.trim())) return 'must be a cron expression of 5 fields (minute hour day month weekday), e.g. */15 * * * *';
  try {
    queue.boss.previewSchedule(cron, { count: 1 });
    return null;
  } catch (e) {
    return `is not a valid cron expression (${e instanceof Error ? e.message : String(e)})`;
  }
}
