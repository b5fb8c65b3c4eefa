import type { Db } from '../store/db.ts';
import type { SecretBox } from '../store/repos/secret-box.ts';

/**
 * A secret kept in a kv row, sealed by the vault and bound to its key (the AAD), so a sealed value
 * copied to another row does not open. Used for settings that belong to the deployment rather than
 * to one connection, such as an OAuth app's client secret or webhook key.
 */
const aad = (key: string): string => `kv:${key}`;

export async function readSealed(db: Db, box: SecretBox, key: string): Promise<string | null> {
  const { rows } = await db.query<{ value: { sealed?: unknown } }>('select value from kv where key = $1', [key]);
  const sealed = rows[0]?.value.sealed;
  return typeof sealed === 'string' ? box.open(sealed, aad(key)) : null;
}

export async function writeSealed(db: Db, box: SecretBox, key: string, plaintext: string): Promise<void> {
  await db.query(
    `insert into kv (key, value, updated_at) values ($1, $2::jsonb, now())
     on conflict (key) do update set value = excluded.value, updated_at = now()`,
    [key, JSON.stringify({ sealed: box.seal(plaintext, aad(key)) })],
  );
}
