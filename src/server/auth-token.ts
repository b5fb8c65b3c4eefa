import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConnectorError } from '../core/errors.ts';
import { registerSecret } from '../core/redact.ts';
import type { Db } from '../store/db.ts';
import type { SecretBox } from '../store/repos/secret-box.ts';

/** kv row holding the generated token, sealed by the vault (bound to this key as associated data). */
const tokenKey = 'server.api_token';

export interface ApiToken {
  token: string;
  /** True only for the process that generated and stored it: that one prints it, once. */
  created: boolean;
}

/**
 * The API token: ML_CONNECTOR_API_TOKEN when set, otherwise the one generated on the first start
 * and kept encrypted in the database, so every process sharing the database accepts the same one.
 * Two processes starting together both try to insert; the loser reads the winner's token.
 */
export async function ensureApiToken(db: Db, box: SecretBox, fromEnvironment: string | undefined): Promise<ApiToken> {
  if (fromEnvironment !== undefined) {
    if (fromEnvironment.length < 16) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: 'ML_CONNECTOR_API_TOKEN must be at least 16 characters' });
    registerSecret(fromEnvironment);
    return { token: fromEnvironment, created: false };
  }
  const fresh = `mlc_${randomBytes(32).toString('base64url')}`;
  const { rowCount } = await db.query(
    'insert into kv (key, value, updated_at) values ($1, $2::jsonb, now()) on conflict (key) do nothing',
    [tokenKey, JSON.stringify({ sealed: box.seal(fresh, tokenKey) })],
  );
  if (rowCount === 1) {
    registerSecret(fresh);
    return { token: fresh, created: true };
  }
  const { rows } = await db.query<{ value: { sealed?: unknown } }>('select value from kv where key = $1', [tokenKey]);
  const sealed = rows[0]?.value.sealed;
  if (typeof sealed !== 'string') throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `the stored API token (kv '${tokenKey}') is unreadable; delete that row to create a new one` });
  const token = box.open(sealed, tokenKey);
  registerSecret(token);
  return { token, created: false };
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether an Authorization header carries the token. Both sides are hashed first so the comparison
 * is constant-time whatever the lengths (timingSafeEqual needs equal-length buffers).
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  const given = match?.[1] ?? '';
  const same = timingSafeEqual(digest(given), digest(token));
  return same && given.length > 0;
}
