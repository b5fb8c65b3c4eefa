import { setFlagsFromString } from 'node:v8';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Logger } from '../core/log.ts';
import { registerBackend } from './backend.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import type { Db } from './db.ts';
import { TransactionMisuseError } from './errors.ts';
import { insideTransactionOf, runInTransactionContext } from './tx-context.ts';
import { pgliteParsers } from './type-parsers.ts';

/** The advisory lock statement shared by both back-ends; hashtextextended gives a 64-bit key. */
export const advisoryLockSql = 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))';

interface Executor {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

async function run<T>(ex: Executor, sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }> {
  const r = await ex.query<T>(sql, params ?? []);
  // PGlite reports affectedRows for DML and 0 for SELECT; pg's rowCount is the larger of the two.
  return { rows: r.rows, rowCount: Math.max(r.affectedRows ?? 0, r.rows.length) };
}

/** A transaction on PGlite: PGlite's own transaction() holds its single connection until fn ends. */
class PgliteTxDb implements Db {
  readonly kind = 'pglite' as const;
  constructor(private readonly tx: Transaction) {}
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]) {
    return run<T>(this.tx, sql, params);
  }
  async exec(sql: string): Promise<void> {
    await this.tx.exec(sql);
  }
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async withLock<T>(key: string, fn: (tx: Db) => Promise<T>): Promise<T> {
    await this.tx.query(advisoryLockSql, [key]);
    return fn(this);
  }
  close(): Promise<void> {
    return Promise.reject(new Error('close() is not available on a transaction handle'));
  }
}

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  private closing: Promise<void> | null = null;
  constructor(
    private readonly pglite: PGlite,
    private readonly lock: DataDirLock,
  ) {}

  private guard(what: string): void {
    if (insideTransactionOf(this)) throw new TransactionMisuseError(what);
  }
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]) {
    this.guard('query()');
    return run<T>(this.pglite, sql, params);
  }
  async exec(sql: string): Promise<void> {
    this.guard('exec()');
    await this.pglite.exec(sql);
  }
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.guard('transaction()');
    return this.pglite.transaction((tx) => runInTransactionContext(this, () => fn(new PgliteTxDb(tx))));
  }
  withLock<T>(key: string, fn: (tx: Db) => Promise<T>): Promise<T> {
    // PGlite runs one transaction at a time per instance, so the lock never waits here; it is
    // still taken so that SQL behaves the same as on PostgreSQL.
    return this.transaction((tx) => tx.withLock(key, fn));
  }
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        if (!this.pglite.closed) await this.pglite.close();
      } finally {
        this.lock.release();
      }
    })();
    return this.closing;
  }
}

/**
 * PGlite is PostgreSQL compiled to one 9 MB WebAssembly module. V8 runs it on its baseline compiler
 * (Liftoff) and re-compiles hot functions with its optimizing compiler in the background; for
 * PostgreSQL's very large functions that re-compilation costs more than it returns to the
 * connector's short queries. Measured on Node 24 (PGlite 0.5.16, one process): open and close
 * 4.9 → 1.7 CPU seconds and 648 → 266 MB peak RSS; open plus 2,000 small transactions
 * 9.4 → 6.7 CPU seconds and 907 → 304 MB. So the WebAssembly stays on Liftoff: the tier-up
 * filter names a function index no module has (V8's `--liftoff-only` cannot be changed once V8
 * runs; this flag can, and is read when a module is compiled). It only touches WebAssembly, and
 * PGlite is the only WebAssembly the connector loads.
 */
let baselineCompilerOnly = false;
function keepWasmOnBaselineCompiler(): void {
  if (baselineCompilerOnly) return;
  baselineCompilerOnly = true;
  setFlagsFromString('--wasm-tier-up-filter=2147483647');
}

export async function openPglite(dataDir: string, pgDir: string, opts: { logger: Logger }): Promise<Db> {
  const lock = acquireDataDirLock(dataDir);
  keepWasmOnBaselineCompiler();
  let pglite: PGlite;
  try {
    const started = Date.now();
    pglite = await PGlite.create(pgDir, { parsers: pgliteParsers });
    opts.logger.debug({ dataDir: pgDir, ms: Date.now() - started }, 'opened embedded PGlite database');
  } catch (e) {
    lock.release();
    throw e;
  }
  const db = new PgliteDb(pglite, lock);
  registerBackend(db, { kind: 'pglite', pglite, dataDir });
  return db;
}
