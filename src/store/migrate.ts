import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';
import { DatabaseError } from './db.ts';

const folder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Forward-only migrations: numbered SQL files applied in order, each in a transaction under an
 * advisory lock (two processes starting at once on PostgreSQL apply each file once). A file that
 * changed after it was applied is an error: migrations are never edited, only added.
 */
export async function migrate(db: Db): Promise<string[]> {
  await db.query(`create table if not exists schema_migrations (
    name text primary key, checksum text not null, applied_at timestamptz not null default now())`);
  const files = readdirSync(folder).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  for (const name of files) {
    const sql = readFileSync(join(folder, name), 'utf8');
    const checksum = createHash('sha256').update(sql).digest('hex');
    await db.withLock('ml-connector:migrations', async (tx) => {
      const { rows } = await tx.query<{ checksum: string }>('select checksum from schema_migrations where name = $1', [name]);
      if (rows[0]) {
        if (rows[0].checksum !== checksum) throw new DatabaseError(`migration ${name} was changed after it was applied; add a new migration instead`);
        return;
      }
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (name, checksum) values ($1, $2)', [name, checksum]);
      applied.push(name);
    });
  }
  return applied;
}

/** Splits on semicolons that end a line (the migrations hold no functions or quoted semicolons). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}
