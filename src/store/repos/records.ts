import type { Db } from '../db.ts';
import { appendAudit } from './audit.ts';

export type RecordStatus = 'pending' | 'synced' | 'skipped' | 'failed' | 'conflict';

export interface RecordOutcome {
  entity: string;
  sourceSystem: string;
  sourceId: string;
  label: string | null;
  status: RecordStatus;
  reason: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  targetId: string | null;
}

export interface RecordRow {
  link: string;
  entity: string;
  source_system: string;
  source_id: string;
  label: string | null;
  status: RecordStatus;
  reason: string | null;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  last_run_id: string | null;
  target_id: string | null;
  updated_at: string;
}

/** Current status of each source record, one row per record, written in bulk per page. */
export async function saveOutcomes(db: Db, link: string, runId: string, all: readonly RecordOutcome[]): Promise<void> {
  if (all.length === 0) return;
  // One row per record: a record decided twice before a commit (adopted after a lost answer, then
  // read again on the same page) keeps its last outcome; one statement cannot upsert a row twice.
  const outcomes = [...new Map(all.map((o) => [`${o.entity}\u0000${o.sourceId}`, o])).values()];
  const col = <K extends keyof RecordOutcome>(k: K) => outcomes.map((o) => o[k]);
  await db.query(
    `insert into records (link, entity, source_system, source_id, label, status, reason, error_code, error_message, attempts, last_run_id, target_id, updated_at)
     select $1, e, ss, si, l, st, r, ec, em, case when st = 'failed' then 1 else 0 end, $2, t, now()
     from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[]) as u(e, ss, si, l, st, r, ec, em, t)
     on conflict (link, entity, source_id) do update set
       label = coalesce(excluded.label, records.label), status = excluded.status, reason = excluded.reason,
       error_code = excluded.error_code, error_message = excluded.error_message,
       attempts = case when excluded.status = 'failed' then records.attempts + 1 else records.attempts end,
       last_run_id = excluded.last_run_id, target_id = coalesce(excluded.target_id, records.target_id), updated_at = now()`,
    [link, runId, col('entity'), col('sourceSystem'), col('sourceId'), col('label'), col('status'), col('reason'), col('errorCode'), col('errorMessage'), col('targetId')],
  );
}

export async function listRecords(
  db: Db,
  filter: { link?: string; status?: RecordStatus[]; entity?: string; sourceSystem?: string; limit?: number; offset?: number },
): Promise<RecordRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.link) where.push(`link = $${params.push(filter.link)}`);
  if (filter.status?.length) where.push(`status = any($${params.push(filter.status)}::text[])`);
  if (filter.entity) where.push(`entity = $${params.push(filter.entity)}`);
  if (filter.sourceSystem) where.push(`source_system = $${params.push(filter.sourceSystem)}`);
  const sql = `select link, entity, source_system, source_id, label, status, reason, error_code, error_message, attempts::int as attempts,
      last_run_id, target_id, updated_at::text as updated_at from records
    ${where.length ? `where ${where.join(' and ')}` : ''}
    order by updated_at desc, source_id limit ${Math.min(filter.limit ?? 500, 5000)} offset ${Math.max(0, filter.offset ?? 0)}`;
  return (await db.query<RecordRow>(sql, params)).rows;
}

export async function countByStatus(db: Db, link: string): Promise<Record<string, Record<RecordStatus, number>>> {
  const { rows } = await db.query<{ entity: string; status: RecordStatus; n: number }>(
    'select entity, status, count(*)::int as n from records where link = $1 group by entity, status',
    [link],
  );
  const out: Record<string, Record<RecordStatus, number>> = {};
  for (const r of rows) {
    out[r.entity] ??= { pending: 0, synced: 0, skipped: 0, failed: 0, conflict: 0 };
    out[r.entity]![r.status] = Number(r.n);
  }
  return out;
}

/**
 * Records a person can name by any id or number they see on either side: the source or target id
 * (Xero InvoiceID or ContactID, BILL bill, vendor or payment application id), or a word of the
 * record's label, which carries what the vendors' screens show: a bill's invoice number
 * ("GRA-56468 (10487.71 USD)") and a payment's BILL payment id ("BILL stp… blp…"). A vendor is
 * found by its whole name, not by one word of it. Case does not matter for labels. On any link,
 * or on `link`. Used by audit, skip, replay and the dashboard's record page alike.
 */
export async function findRecord(db: Db, id: string, link?: string): Promise<RecordRow[]> {
  const { rows } = await db.query<RecordRow>(
    `select link, entity, source_system, source_id, label, status, reason, error_code, error_message, attempts::int as attempts,
       last_run_id, target_id, updated_at::text as updated_at from records
     where (source_id = $1 or target_id = $1 or lower(label) = lower($1)
        or (entity <> 'vendor' and lower($1) = any(regexp_split_to_array(lower(coalesce(label, '')), '\\s+'))))
       ${link ? 'and link = $2' : ''}
     order by link, entity, source_id`,
    link ? [id, link] : [id],
  );
  return rows;
}

/**
 * Marks a failed or conflicting record as skipped by a person, with an audit event saying so, in
 * one transaction. Returns false when the record does not exist or no longer needs attention (it
 * was synced or skipped meanwhile), so a stale button press changes nothing. A later sync or a
 * replay of the record takes it up again if its source changes.
 */
export async function skipRecord(db: Db, key: { link: string; entity: string; sourceId: string }, note: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ source_system: string; target_id: string | null }>(
      `update records set status = 'skipped', reason = $4, error_code = null, error_message = null, updated_at = now()
       where link = $1 and entity = $2 and source_id = $3 and status in ('failed', 'conflict')
       returning source_system, target_id`,
      [key.link, key.entity, key.sourceId, note],
    );
    const row = rows[0];
    if (!row) return false;
    await appendAudit(tx, key.link, [{
      runId: null, entity: key.entity, sourceSystem: row.source_system, sourceId: key.sourceId, targetSystem: null, targetId: row.target_id,
      step: 'skipped', outcome: 'skipped', message: note,
    }]);
    return true;
  });
}

/**
 * Failed records that a later run tries again by itself: failed with one of `codes` (causes that
 * pass), failed at most `waitsMs.length` times, and whose wait after the last failure is over
 * (`waitsMs[n - 1]` after the n-th failure); never those the run `runId` itself failed. Oldest first,
 * at most `limit`.
 */
export async function listRetryDue(db: Db, link: string, runId: string, codes: readonly string[], waitsMs: readonly number[], limit = 500): Promise<RecordRow[]> {
  if (waitsMs.length === 0 || codes.length === 0) return [];
  const { rows } = await db.query<RecordRow>(
    `select link, entity, source_system, source_id, label, status, reason, error_code, error_message, attempts::int as attempts,
       last_run_id, target_id, updated_at::text as updated_at from records
     where link = $1 and status = 'failed' and error_code = any($2::text[]) and attempts between 1 and $3
       and updated_at + (($4::float8[])[attempts] * interval '1 millisecond') <= now()
       and last_run_id is distinct from $6
     order by updated_at, source_id limit $5`,
    [link, [...codes], waitsMs.length, [...waitsMs], limit, runId],
  );
  return rows;
}

/** The labels of some records of one kind on a link (the dashboard names a payment's vendor by its record). */
export async function recordLabels(db: Db, link: string, entity: string, sourceIds: readonly string[]): Promise<Map<string, string>> {
  if (sourceIds.length === 0) return new Map();
  const { rows } = await db.query<{ source_id: string; label: string }>(
    'select source_id, label from records where link = $1 and entity = $2 and source_id = any($3::text[]) and label is not null',
    [link, entity, [...sourceIds]],
  );
  return new Map(rows.map((r) => [r.source_id, r.label]));
}
