import { hostname } from 'node:os';
import type { Db } from '../db.ts';

/**
 * A lease that lets one process at a time work on a link, across processes sharing one PostgreSQL
 * (and within one PGlite process). It is a row with an owner and an expiry, renewed while the work
 * runs; a holder that died stops renewing, and a holder on this host whose process is gone is
 * replaced at once (a killed sync must not block the next one for the whole lease time).
 */
export interface Lease {
  key: string;
  owner: string;
  release(): Promise<void>;
}

const owner = (): string => `${hostname()}:${process.pid}`;

// Whole milliseconds: extract() returns numeric with a fraction since PostgreSQL 14, and a
// fractional 'expires' would not cast back to bigint. Read as numeric so older rows still compare.
const nowMs = 'floor(extract(epoch from now()) * 1000)::bigint';

function ownerIsDead(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export async function tryAcquireLease(db: Db, key: string, ttlMs = 30_000): Promise<Lease | null> {
  const me = owner();
  const take = async (): Promise<boolean> => {
    const { rows } = await db.query<{ key: string }>(
      `insert into kv (key, value, updated_at) values ($1, jsonb_build_object('owner', $2::text, 'expires', ${nowMs} + $3::bigint), now())
       on conflict (key) do update set value = excluded.value, updated_at = now()
         where (kv.value->>'expires')::numeric < ${nowMs} or kv.value->>'owner' = $2::text
       returning key`,
      [`lease:${key}`, me, ttlMs],
    );
    return rows.length > 0;
  };
  if (!(await take())) {
    const { rows } = await db.query<{ holder: string }>("select value->>'owner' as holder from kv where key = $1", [`lease:${key}`]);
    const holder = rows[0]?.holder;
    if (!holder || !ownerIsDead(holder)) return null;
    await db.query("delete from kv where key = $1 and value->>'owner' = $2", [`lease:${key}`, holder]);
    if (!(await take())) return null;
  }
  const timer = setInterval(() => {
    void db
      .query(`update kv set value = jsonb_set(value, '{expires}', to_jsonb(${nowMs} + $3::bigint)) where key = $1 and value->>'owner' = $2`, [`lease:${key}`, me, ttlMs])
      .catch(() => undefined);
  }, Math.max(1000, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    key,
    owner: me,
    release: async () => {
      clearInterval(timer);
      await db.query("delete from kv where key = $1 and value->>'owner' = $2", [`lease:${key}`, me]);
    },
  };
}
