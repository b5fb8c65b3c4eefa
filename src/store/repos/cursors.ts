import type { Db } from '../db.ts';

/** Per link and stream checkpoints; written in the same transaction as the writes they cover. */
export async function getCursor(db: Db, link: string, stream: string): Promise<string | null> {
  const { rows } = await db.query<{ value: string | null }>('select value from cursors where link = $1 and stream = $2', [link, stream]);
  return rows[0]?.value ?? null;
}

export async function setCursor(db: Db, link: string, stream: string, value: string | null): Promise<void> {
  await db.query(
    `insert into cursors (link, stream, value, updated_at) values ($1, $2, $3, now())
     on conflict (link, stream) do update set value = excluded.value, updated_at = now()`,
    [link, stream, value],
  );
}

export async function listCursors(db: Db, link: string): Promise<{ stream: string; value: string | null; updated_at: string }[]> {
  const { rows } = await db.query<{ stream: string; value: string | null; updated_at: string }>(
    'select stream, value, updated_at::text as updated_at from cursors where link = $1 order by stream',
    [link],
  );
  return rows;
}
