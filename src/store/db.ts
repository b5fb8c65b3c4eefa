import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Logger } from '../core/log.ts';

/**
 * One database interface over both back-ends, PostgreSQL dialect only: embedded PGlite in the data
 * directory (zero set-up) or a PostgreSQL server when DATABASE_URL is set. SQL that counts casts to
 * int so both return numbers (PGlite returns int8 as a number, node-postgres as a string).
 */
export interface Db {
  readonly kind: 'pglite' | 'postgres';
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
  /** Runs fn in a transaction; nested calls reuse the open transaction. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Runs fn in a transaction holding an advisory lock on key: serialises across processes on PostgreSQL. */
  withLock<T>(key: string, fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenOptions {
  dataDir?: string;
  databaseUrl?: string;
  logger?: Logger;
}

export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
}

export async function openDatabase(options: OpenOptions): Promise<Db> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openPglite(options.dataDir ?? '.data');
}

const lockSql = 'select pg_advisory_xact_lock(hashtextextended($1, 0))';

// ---------------------------------------------------------------- PostgreSQL

async function openPostgres(url: string): Promise<Db> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseError('DATABASE_URL is not a valid URL (expected postgres://user@host:port/database)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseError(`DATABASE_URL must start with postgres:// (got ${parsed.protocol}//)`);
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => undefined);
  try {
    await pool.query('select 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new DatabaseError(`cannot reach the PostgreSQL server in DATABASE_URL (${parsed.hostname}:${parsed.port || 5432}): ${(e as Error).message}`);
  }
  const onClient = (client: pg.PoolClient): Db => ({
    kind: 'postgres',
    query: async <T>(sql: string, params?: unknown[]) => {
      const r = await client.query(sql, params as unknown[]);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    },
    transaction: (fn) => fn(onClient(client)),
    withLock: async (key, fn) => {
      await client.query(lockSql, [key]);
      return fn(onClient(client));
    },
    close: async () => undefined,
  });
  const transaction = async <T>(fn: (tx: Db) => Promise<T>, lockKey?: string): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      if (lockKey) await client.query(lockSql, [lockKey]);
      const out = await fn(onClient(client));
      await client.query('commit');
      return out;
    } catch (e) {
      await client.query('rollback').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  };
  return {
    kind: 'postgres',
    query: async <T>(sql: string, params?: unknown[]) => {
      const r = await pool.query(sql, params as unknown[]);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    },
    transaction: (fn) => transaction(fn),
    withLock: (key, fn) => transaction(fn, key),
    close: () => pool.end(),
  };
}

// ---------------------------------------------------------------- PGlite

/**
 * PGlite is one process per data directory and has no lock of its own: two processes on one
 * directory silently lose writes. A lock file with the owner's pid refuses a second opener; a lock
 * left by a process that no longer exists is taken over.
 */
function takeLock(dir: string): () => void {
  const path = join(dir, 'pglite.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      const release = () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new DatabaseError(
          `the data directory ${dir} is in use by process ${owner}; stop it, or set DATABASE_URL so several processes can share a PostgreSQL server`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new DatabaseError(`could not take the lock on ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function openPglite(dataDir: string): Promise<Db> {
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const release = takeLock(dataDir);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(join(dataDir, 'pglite'));
  } catch (e) {
    release();
    throw e;
  }
  // PGlite has one connection: a transaction excludes every other query of this process, so queries
  // issued while one is open (by other async work) wait for it instead of joining it.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const onTx = (tx: { query: PGlite['query'] }): Db => ({
    kind: 'pglite',
    query: async <T>(sql: string, params?: unknown[]) => {
      const r = await tx.query<T>(sql, params);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    transaction: (fn) => fn(onTx(tx)),
    withLock: (_key, fn) => fn(onTx(tx)),
    close: async () => undefined,
  });
  const transaction = <T>(fn: (tx: Db) => Promise<T>): Promise<T> => exclusive(() => pglite.transaction((tx) => fn(onTx(tx))));
  return {
    kind: 'pglite',
    query: <T>(sql: string, params?: unknown[]) =>
      exclusive(async () => {
        const r = await pglite.query<T>(sql, params);
        return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
      }),
    transaction,
    withLock: (_key, fn) => transaction(fn),
    close: async () => {
      await queue;
      await pglite.close();
      release();
    },
  };
}
