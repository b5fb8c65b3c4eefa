import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { Db } from './db.ts';

/**
 * The driver objects behind a Db, for the few places that must share them (the pg-boss queue
 * runs on the same PGlite instance or PostgreSQL database). Kept off the Db interface so that
 * the rest of the code base cannot reach past it.
 */
export type BackendHandle =
  | { readonly kind: 'pglite'; readonly pglite: PGlite; readonly dataDir: string }
  | { readonly kind: 'postgres'; readonly pool: pg.Pool; readonly connectionString: string };

const handles = new WeakMap<Db, BackendHandle>();

export function registerBackend(db: Db, handle: BackendHandle): void {
  handles.set(db, handle);
}

export function backendOf(db: Db): BackendHandle {
  const handle = handles.get(db);
  if (!handle) throw new Error('this Db was not created by openDatabase(), or is a transaction handle');
  return handle;
}
