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
    update: (fn) => updateSecret<C>(db, box, connectionId, fn, expiresAt),
  };
}
