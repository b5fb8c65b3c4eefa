import { redactValue } from '../../core/redact.ts';
import type { Db } from '../db.ts';

/** One step in a record's trail: what was read, what was sent, what came back, and the outcome. */
export interface AuditEvent {
  runId: string | null;
  entity: string;
  sourceSystem: string;
  sourceId: string;
  targetSystem: string | null;
  targetId: string | null;
  step: 'read' | 'planned' | 'matched' | 'created' | 'updated' | 'archived' | 'deleted' | 'linked' | 'skipped' | 'failed' | 'conflict' | 'unchanged'
    /** A create whose answer was lost, found on the target afterwards / not found yet. */
    | 'recovered' | 'in_doubt';
  outcome: 'ok' | 'skipped' | 'failed' | 'conflict';
  errorCode?: string | null;
  message?: string | null;
  sourceVersion?: string | null;
  payload?: unknown;
  response?: unknown;
}

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(redactValue(v), (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));

/** Appends audit events in one statement; payloads are redacted before they are stored. */
export async function appendAudit(db: Db, link: string, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  const col = <T>(f: (e: AuditEvent) => T) => events.map(f);
  await db.query(
    `insert into audit_events (link, run_id, entity, source_system, source_id, target_system, target_id, step, outcome, error_code, message, source_version, payload, response)
     select $1, r, e, ss, si, ts, ti, st, o, ec, m, sv, p::jsonb, rs::jsonb
     from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
       as u(r, e, ss, si, ts, ti, st, o, ec, m, sv, p, rs)`,
    [link, col((e) => e.runId), col((e) => e.entity), col((e) => e.sourceSystem), col((e) => e.sourceId), col((e) => e.targetSystem),
      col((e) => e.targetId), col((e) => e.step), col((e) => e.outcome), col((e) => e.errorCode ?? null), col((e) => e.message ?? null),
      col((e) => e.sourceVersion ?? null), col((e) => json(e.payload)), col((e) => json(e.response))],
  );
}

export interface AuditRow {
  id: number;
  at: string;
  link: string;
  run_id: string | null;
  entity: string;
  source_system: string;
  source_id: string;
  target_system: string | null;
  target_id: string | null;
  step: string;
  outcome: string;
  error_code: string | null;
  message: string | null;
  source_version: string | null;
  payload: unknown;
  response: unknown;
}

/** A record's whole trail, found from either side's id. */
export async function auditTrail(db: Db, id: string, link?: string): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>(
    `select id::int as id, at::text as at, link, run_id, entity, source_system, source_id, target_system, target_id, step, outcome,
       error_code, message, source_version, payload, response
     from audit_events
     where (source_id = $1 or target_id = $1
        or source_id in (select source_id from id_map where target_id = $1))
       ${link ? 'and link = $2' : ''}
     order by id`,
    link ? [id, link] : [id],
  );
  return rows;
}
