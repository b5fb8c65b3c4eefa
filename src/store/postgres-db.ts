import pg from 'pg';
import { ConnectorError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { registerBackend } from './backend.ts';
import { describeUrl, type Db } from './db.ts';
import { advisoryLockSql } from './pglite-db.ts';
import { TransactionMisuseError } from './errors.ts';
import { insideTransactionOf, runInTransactionContext } from './tx-context.ts';
import { pgTypes } from './type-parsers.ts';

type Queryable = pg.Pool | pg.PoolClient;

async function run<T>(q: Queryable, sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }> {
  const r = await q.query(sql, params);
  return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
}

/** A transaction on PostgreSQL: one pooled client holds BEGIN … COMMIT. */
class PostgresTxDb implements Db {
  readonly kind = 'postgres' as const;
  constructor(private readonly client: pg.PoolClient) {}
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]) {
    return run<T>(this.client, sql, params);
  }
  async exec(sql: string): Promise<void> {
    // Without parameters pg uses the simple query protocol, which runs several statements.
    await this.client.query(sql);
  }
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async withLock<T>(key: string, fn: (tx: Db) => Promise<T>): Promise<T> {
    await this.client.query(advisoryLockSql, [key]);
    return fn(this);
  }
  close(): Promise<void> {
    return Promise.reject(new Error('close() is not available on a transaction handle'));
  }
}

class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  private closing: Promise<void> | null = null;
  constructor(private readonly pool: pg.Pool) {}

  private guard(what: string): void {
    if (insideTransactionOf(this)) throw new TransactionMisuseError(what);
  }
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]) {
    this.guard('query()');
    return run<T>(this.pool, sql, params);
  }
  async exec(sql: string): Promise<void> {
    this.guard('exec()');
    await this.pool.query(sql);
  }
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.guard('transaction()');
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await runInTransactionContext(this, () => fn(new PostgresTxDb(client)));
      await client.query('COMMIT');
      return result;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // A client that cannot roll back is discarded rather than returned to the pool.
        broken = rollbackError as Error;
      }
      throw e;
    } finally {
      client.release(broken);
    }
  }
  withLock<T>(key: string, fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.transaction((tx) => tx.withLock(key, fn));
  }
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

export async function openPostgres(url: string, opts: { logger: Logger; poolSize: number }): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize,
    types: pgTypes,
    application_name: 'ml-connector',
  });
  // node-postgres emits 'error' for idle clients whose connection drops; without a listener that
  // would crash the process (node-postgres docs, "Pool: events").
  pool.on('error', (err) => opts.logger.warn({ err: err.message }, 'idle PostgreSQL connection failed'));
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new ConnectorError({
      code: 'MLC_ERR_CONFIG',
      message: `cannot connect to PostgreSQL at ${describeUrl(url)} (DATABASE_URL): ${(e as Error).message}`,
      cause: e,
    });
  }
  const db = new PostgresDb(pool);
  registerBackend(db, { kind: 'postgres', pool, connectionString: url });
  return db;
}
