import { randomUUID } from 'node:crypto';
import type { Db } from '../db.ts';

export interface RunRow {
  id: string;
  link: string;
  kind: string;
  dry_run: boolean;
  /** parked: stopped at a used-up allowance, its work queued again for the window's reset (worker/handler.ts). */
  status: 'running' | 'succeeded' | 'failed' | 'partial' | 'interrupted' | 'parked';
  started_at: string;
  finished_at: string | null;
  counts: Record<string, number> | null;
  progress: Record<string, unknown> | null;
  error_code: string | null;
  error_message: string | null;
}

export async function startRun(db: Db, link: string, kind: string, dryRun: boolean): Promise<string> {
  const id = `run_${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}_${randomUUID().slice(0, 8)}`;
  // A run still marked running for this link was cut off (crash or kill): say so instead of leaving it open.
  await db.query("update runs set status = 'interrupted', finished_at = now() where link = $1 and status = 'running' and kind = $2", [link, kind]);
  await db.query('insert into runs (id, link, kind, dry_run, status, started_at) values ($1, $2, $3, $4, $5, now())', [id, link, kind, dryRun, 'running']);
  return id;
}

/** A run stopped at a used-up allowance whose work was queued again for the reset: parked, not failed. */
export async function markRunParked(db: Db, runId: string): Promise<void> {
  await db.query("update runs set status = 'parked' where id = $1 and status = 'failed'", [runId]);
}

export async function updateProgress(db: Db, runId: string, progress: Record<string, unknown>): Promise<void> {
  await db.query('update runs set progress = $2::jsonb where id = $1', [runId, JSON.stringify(progress)]);
}

export async function finishRun(
  db: Db,
  runId: string,
  result: { status: RunRow['status']; counts: Record<string, number>; errorCode?: string | null; errorMessage?: string | null },
): Promise<void> {
  await db.query(
    'update runs set status = $2, finished_at = now(), counts = $3::jsonb, error_code = $4, error_message = $5 where id = $1',
    [runId, result.status, JSON.stringify(result.counts), result.errorCode ?? null, result.errorMessage ?? null],
  );
}

export async function listRuns(db: Db, filter: { link?: string; limit?: number } = {}): Promise<RunRow[]> {
  const params: unknown[] = [];
  const where = filter.link ? `where link = $${params.push(filter.link)}` : '';
  const { rows } = await db.query<RunRow>(
    `select id, link, kind, dry_run, status, started_at::text as started_at, finished_at::text as finished_at, counts, progress, error_code, error_message
     from runs ${where} order by started_at desc limit ${Math.min(filter.limit ?? 20, 500)}`,
    params,
  );
  return rows;
}

export async function getRun(db: Db, id: string): Promise<RunRow | null> {
  const { rows } = await db.query<RunRow>(
    `select id, link, kind, dry_run, status, started_at::text as started_at, finished_at::text as finished_at, counts, progress, error_code, error_message
     from runs where id = $1`,
    [id],
  );
  return rows[0] ?? null;
}
