import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';
import { DatabaseError } from './errors.ts';

const defaultFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface MigrationFile {
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

/** Lock key shared by every process that migrates the same database. */
export const migrationLockKey = 'ml-connector:migrations';

/** Reads `NNNN_name.sql` files in order. Line endings are normalised so a CRLF checkout hashes the same. */
export function readMigrations(folder: string = defaultFolder): MigrationFile[] {
  const names = readdirSync(folder).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const seen = new Set<string>();
  return names.map((name) => {
    const number = name.slice(0, 4);
    if (seen.has(number)) throw new DatabaseError(`two migrations share the number ${number}`);
    seen.add(number);
    const sql = readFileSync(join(folder, name), 'utf8').replace(/\r\n/g, '\n');
    return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

/**
 * Forward-only migrations. Every pending file is applied in order inside one transaction that
 * holds an advisory lock, so two processes starting together on one PostgreSQL database apply
 * each file exactly once (the second waits, then finds nothing to do). The checksum of each
 * applied file is recorded; a file edited after it was applied is an error, because the databases
 * that already ran it would silently differ from new ones. Returns the names applied now.
 */
export async function migrate(db: Db, options: { folder?: string } = {}): Promise<string[]> {
  const files = readMigrations(options.folder);
  return db.withLock(migrationLockKey, async (tx) => {
    // Created under the lock: two concurrent CREATE TABLE IF NOT EXISTS can still collide on the
    // catalog's unique index in PostgreSQL.
    await tx.exec(`create table if not exists schema_migrations (
      name text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`);
    const { rows } = await tx.query<{ name: string; checksum: string }>('select name, checksum from schema_migrations');
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const known = new Set(files.map((f) => f.name));
    const unknown = [...applied.keys()].filter((n) => !known.has(n)).sort();
    if (unknown.length > 0) {
      throw new DatabaseError(
        `the database has migrations this version does not know (${unknown.join(', ')}); it was migrated by a newer ml-connector`,
      );
    }
    const done: string[] = [];
    for (const file of files) {
      const recorded = applied.get(file.name);
      if (recorded !== undefined) {
        if (recorded !== file.checksum) {
          throw new DatabaseError(
            `migration ${file.name} was changed after it was applied (checksum ${recorded.slice(0, 12)}… recorded, ${file.checksum.slice(0, 12)}… on disk); restore it and add a new migration instead`,
          );
        }
        continue;
      }
      try {
        await tx.exec(file.sql);
      } catch (e) {
        throw new DatabaseError(`migration ${file.name} failed: ${(e as Error).message}`, { cause: e });
      }
      await tx.query('insert into schema_migrations (name, checksum) values ($1, $2)', [file.name, file.checksum]);
      done.push(file.name);
    }
    return done;
  });
}
