import type { Db } from '../db.ts';

/**
 * A link's last reconciliation, wherever it ran (the CLI, a worker, the API): the report, or why
 * there is none. One row per link in kv, so `ml-connector reconcile` and the dashboard show the
 * same answer. The report's shape belongs to the engine (ReconcileReport); the store keeps it whole.
 */
export interface SavedReconcile<Report = unknown> {
  link: string;
  at: string;
  report: Report | null;
  error: { code: string; message: string } | null;
}

const keyOf = (link: string): string => `reconcile:${link}`;

export async function saveReconcile(db: Db, outcome: SavedReconcile): Promise<void> {
  await db.query(
    'insert into kv (key, value, updated_at) values ($1, $2::jsonb, now()) on conflict (key) do update set value = excluded.value, updated_at = now()',
    [keyOf(outcome.link), JSON.stringify(outcome)],
  );
}

/** The link's last reconciliation (null if it was never reconciled). */
export async function lastReconcile<Report = unknown>(db: Db, link: string): Promise<SavedReconcile<Report> | null> {
  const { rows } = await db.query<{ value: SavedReconcile<Report> }>('select value from kv where key = $1', [keyOf(link)]);
  return rows[0]?.value ?? null;
}
