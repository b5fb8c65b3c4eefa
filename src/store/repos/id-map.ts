import type { Db } from '../db.ts';

/**
 * Source id ↔ target id per link and entity. A row starts as an 'intent' written and committed
 * before the create call, so after a crash the engine knows a create may have happened and searches
 * the target before creating again (neither BILL nor Xero offers idempotency keys for these writes).
 */
export interface IdMapRow {
  link: string;
  entity: string;
  source_system: string;
  source_id: string;
  target_system: string;
  target_id: string | null;
  state: 'intent' | 'linked';
  match_key: string | null;
  source_version: string | null;
  content_hash: string | null;
  extra: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
}

export type IdMapKey = Pick<IdMapRow, 'link' | 'entity'>;

export async function getMappings(db: Db, key: IdMapKey, sourceIds: readonly string[]): Promise<Map<string, IdMapRow>> {
  if (sourceIds.length === 0) return new Map();
  const { rows } = await db.query<IdMapRow>(
    'select * from id_map where link = $1 and entity = $2 and source_id = any($3::text[])',
    [key.link, key.entity, [...sourceIds]],
  );
  return new Map(rows.map((r) => [r.source_id, r]));
}

export async function getMappingsByTarget(db: Db, key: IdMapKey, targetIds: readonly string[]): Promise<Map<string, IdMapRow>> {
  if (targetIds.length === 0) return new Map();
  const { rows } = await db.query<IdMapRow>(
    "select * from id_map where link = $1 and entity = $2 and state = 'linked' and target_id = any($3::text[])",
    [key.link, key.entity, [...targetIds]],
  );
  return new Map(rows.map((r) => [r.target_id!, r]));
}

/** An outstanding intent, with how long ago its write was last known to be in doubt. */
export type IntentRow = IdMapRow & { age_ms: number };

/** Outstanding intents of a step; `updated_at` is when the write was last sent or found in doubt (markInDoubt). */
export async function listIntents(db: Db, key: IdMapKey): Promise<IntentRow[]> {
  const { rows } = await db.query<IntentRow>(
    `select *, (extract(epoch from (now() - updated_at)) * 1000)::float8 as age_ms
     from id_map where link = $1 and entity = $2 and state = 'intent' order by source_id`,
    [key.link, key.entity],
  );
  return rows.map((r) => ({ ...r, age_ms: Number(r.age_ms) }));
}

/**
 * Restarts the settle clock of intents whose write just ended in doubt (a lost answer): the write
 * may still be landing on the target, so its age counts from now, not from when it was recorded.
 */
export async function markInDoubt(db: Db, key: IdMapKey, sourceIds: readonly string[]): Promise<void> {
  if (sourceIds.length === 0) return;
  await db.query(
    "update id_map set updated_at = now() where link = $1 and entity = $2 and state = 'intent' and source_id = any($3::text[])",
    [key.link, key.entity, [...sourceIds]],
  );
}

export async function listLinked(db: Db, key: IdMapKey): Promise<IdMapRow[]> {
  const { rows } = await db.query<IdMapRow>(
    "select * from id_map where link = $1 and entity = $2 and state = 'linked' order by source_id",
    [key.link, key.entity],
  );
  return rows;
}

/** Records the intent to create, in one multi-row statement. Existing rows are left untouched. */
export async function recordIntents(
  db: Db,
  key: IdMapKey & { source_system: string; target_system: string },
  intents: readonly { sourceId: string; matchKey: string; sourceVersion: string | null; hash: string | null }[],
): Promise<void> {
  if (intents.length === 0) return;
  await db.query(
    `insert into id_map (link, entity, source_system, source_id, target_system, target_id, state, match_key, source_version, content_hash, created_at, updated_at)
     select $1, $2, $3, s, $4, null, 'intent', m, v, h, now(), now()
     from unnest($5::text[], $6::text[], $7::text[], $8::text[]) as t(s, m, v, h)
     on conflict (link, entity, source_id) do nothing`,
    [key.link, key.entity, key.source_system, key.target_system,
      intents.map((i) => i.sourceId), intents.map((i) => i.matchKey), intents.map((i) => i.sourceVersion), intents.map((i) => i.hash)],
  );
}

/** Marks mappings as linked to their target ids (insert or update), in one statement. */
export async function recordLinks(
  db: Db,
  key: IdMapKey & { source_system: string; target_system: string },
  links: readonly { sourceId: string; targetId: string; hash: string | null; sourceVersion: string | null; matchKey?: string | null; extra?: Record<string, unknown> | null }[],
): Promise<void> {
  if (links.length === 0) return;
  await db.query(
    `insert into id_map (link, entity, source_system, source_id, target_system, target_id, state, match_key, source_version, content_hash, extra, created_at, updated_at)
     select $1, $2, $3, s, $4, t, 'linked', m, v, h, e::jsonb, now(), now()
     from unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) as u(s, t, m, v, h, e)
     on conflict (link, entity, source_id) do update set
       target_id = excluded.target_id, state = 'linked',
       match_key = coalesce(excluded.match_key, id_map.match_key),
       source_version = excluded.source_version, content_hash = excluded.content_hash,
       extra = coalesce(excluded.extra, id_map.extra), updated_at = now()`,
    [key.link, key.entity, key.source_system, key.target_system,
      links.map((l) => l.sourceId), links.map((l) => l.targetId), links.map((l) => l.matchKey ?? null),
      links.map((l) => l.sourceVersion), links.map((l) => l.hash), links.map((l) => (l.extra ? JSON.stringify(l.extra) : null))],
  );
}

export async function dropIntents(db: Db, key: IdMapKey, sourceIds: readonly string[]): Promise<void> {
  if (sourceIds.length === 0) return;
  await db.query(
    "delete from id_map where link = $1 and entity = $2 and state = 'intent' and source_id = any($3::text[])",
    [key.link, key.entity, [...sourceIds]],
  );
}

export async function updateHash(db: Db, key: IdMapKey, sourceId: string, hash: string | null, sourceVersion: string | null): Promise<void> {
  await db.query(
    'update id_map set content_hash = $4, source_version = $5, updated_at = now() where link = $1 and entity = $2 and source_id = $3',
    [key.link, key.entity, sourceId, hash, sourceVersion],
  );
}

export async function unlink(db: Db, key: IdMapKey, sourceId: string): Promise<void> {
  await db.query('delete from id_map where link = $1 and entity = $2 and source_id = $3', [key.link, key.entity, sourceId]);
}
