import type { Db } from '../store/db.ts';
import { readSecret, updateSecret } from '../store/repos/connections.ts';
import type { SecretBox } from '../store/repos/secret-box.ts';
import type { CredentialStore } from '../systems/types.ts';

/**
 * A connection's credentials in the database, encrypted by the vault. Updates run under the
 * connection's lock and re-read first, so one token refresh or login happens at a time across
 * every process sharing the database, and the rotated refresh token is stored before it is used.
 */
export function databaseCredentialStore<C>(db: Db, box: SecretBox, connectionId: string, expiresAt?: (c: C) => Date | null): CredentialStore<C> {
  return {
    load: () => readSecret<C>(db, box, connectionId),
    update: (fn) => track(db, updateSecret<C>(db, box, connectionId, fn, expiresAt)),
  };
}

/**
 * Updates in flight per database. Some are not awaited by their caller (BILL's "session still in
 * use" note after an answer), so the runtime waits for them before it closes the database, instead
 * of each failing with "PGlite is closed" after the command's work is done.
 */
const inFlight = new WeakMap<Db, Set<Promise<unknown>>>();

function track<T>(db: Db, p: Promise<T>): Promise<T> {
  let set = inFlight.get(db);
  if (!set) inFlight.set(db, (set = new Set()));
  set.add(p);
  const done = () => set.delete(p);
  p.then(done, done);
  return p;
}

/** Waits for the credential updates still running on `db` (their failures are their callers'). */
export async function settleCredentialWrites(db: Db): Promise<void> {
  const set = inFlight.get(db);
  while (set && set.size > 0) await Promise.allSettled([...set]);
}
