import { resolve, join } from 'node:path';
import type { Logger } from '../core/log.ts';
import { silentLogger } from '../core/log.ts';

export { DatabaseError, TransactionMisuseError } from './errors.ts';

/**
 * One database interface over two back-ends that both speak the PostgreSQL dialect: embedded
 * PGlite (PostgreSQL compiled to WASM, one process) and a PostgreSQL server through `pg`.
 * SQL is written once, in PostgreSQL syntax, with $1…$n parameters.
 *
 * Result types are normalised (see type-parsers.ts): int8 and count(*) come back as numbers on
 * both back-ends (still, write `count(*)::int` so the intent is visible in SQL), dates as
 * 'YYYY-MM-DD' text, timestamptz as Date, jsonb parsed. Pass jsonb parameters as JSON text.
 * Money columns are bigint minor units or numeric, never float.
 */
export interface Db {
  readonly kind: 'pglite' | 'postgres';
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
  /**
   * Runs a script of several statements with no parameters (migrations). Uses the simple query
   * protocol on both back-ends; the extended protocol behind query() accepts one statement only.
   */
  exec(sql: string): Promise<void>;
  /**
   * Runs fn in a transaction: committed when fn resolves, rolled back when it throws. Calling
   * transaction() or withLock() on the tx handle reuses the same transaction. Inside fn, use tx
   * only: the parent handle refuses queries while its transaction callback runs, because on PGlite
   * (one connection) such a query would wait for the transaction forever.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Runs fn while holding a PostgreSQL advisory lock on key (pg_advisory_xact_lock inside a tx);
   * serialises across processes on PostgreSQL, within the process on PGlite.
   */
  withLock<T>(key: string, fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Data directory for embedded PGlite (files go in `<dataDir>/pglite`). Default `.data`. */
  dataDir?: string;
  /** PostgreSQL connection URL; when set, PGlite is not used. */
  databaseUrl?: string;
  logger?: Logger;
  /** Pool size for PostgreSQL (default 10). */
  poolSize?: number;
}

/** Former name of OpenDatabaseOptions. */
export type OpenOptions = OpenDatabaseOptions;

/**
 * Opens PostgreSQL when databaseUrl is given (from DATABASE_URL via config.ts), otherwise an
 * embedded PGlite under dataDir guarded by a pid lock file. Does not migrate: call migrate(db).
 */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Db> {
  const logger = opts.logger ?? silentLogger;
  if (opts.databaseUrl) {
    const { openPostgres } = await import('./postgres-db.ts');
    return openPostgres(opts.databaseUrl, { logger, poolSize: opts.poolSize ?? 10 });
  }
  const dataDir = resolve(opts.dataDir ?? '.data');
  const { openPglite } = await import('./pglite-db.ts');
  return openPglite(dataDir, join(dataDir, 'pglite'), { logger });
}

/** A bounded, redacted description of a connection URL for messages: no user or password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}
