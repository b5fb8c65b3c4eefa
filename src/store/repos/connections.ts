import { isCredentialSecretField, registerSecret } from '../../core/redact.ts';
import type { SystemId } from '../../model/types.ts';
import type { Db } from '../db.ts';
import type { SecretBox } from './secret-box.ts';

export type ConnectionSystem = SystemId;

export interface ConnectionRow {
  id: string;
  system: ConnectionSystem;
  label: string | null;
  tenant_id: string | null;
  config: Record<string, unknown>;
  status: 'ok' | 'needs_reconnect' | 'disabled';
  status_reason: string | null;
  token_expires_at: string | null;
  last_success_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

const columns = `id, system, label, tenant_id, config, status, status_reason, token_expires_at::text as token_expires_at,
  last_success_at::text as last_success_at, version::int as version, created_at::text as created_at, updated_at::text as updated_at`;

/** The secret envelope is bound to the connection id, so it cannot be moved to another row. */
const aad = (id: string): string => `connection:${id}`;

export async function saveConnection(
  db: Db,
  box: SecretBox,
  c: { id: string; system: ConnectionSystem; label: string | null; tenantId: string | null; config: Record<string, unknown>; secret: unknown; tokenExpiresAt?: Date | null },
): Promise<void> {
  await db.query(
    `insert into connections (id, system, label, tenant_id, config, secret, status, status_reason, token_expires_at, last_success_at, version, created_at, updated_at)
     values ($1, $2, $3, $4, $5::jsonb, $6, 'ok', null, $7, now(), 1, now(), now())
     on conflict (id) do update set label = excluded.label, tenant_id = excluded.tenant_id, config = excluded.config, secret = excluded.secret,
       status = 'ok', status_reason = null, token_expires_at = excluded.token_expires_at, last_success_at = now(),
       version = connections.version + 1, updated_at = now()`,
    [c.id, c.system, c.label, c.tenantId, JSON.stringify(c.config), box.seal(JSON.stringify(c.secret), aad(c.id)), c.tokenExpiresAt?.toISOString() ?? null],
  );
}

export async function getConnection(db: Db, id: string): Promise<ConnectionRow | null> {
  const { rows } = await db.query<ConnectionRow>(`select ${columns} from connections where id = $1`, [id]);
  return rows[0] ?? null;
}

export async function listConnections(db: Db): Promise<ConnectionRow[]> {
  return (await db.query<ConnectionRow>(`select ${columns} from connections order by system, id`)).rows;
}

export async function readSecret<T>(db: Db, box: SecretBox, id: string): Promise<T> {
  const { rows } = await db.query<{ secret: string }>('select secret from connections where id = $1', [id]);
  if (!rows[0]) throw new Error(`connection '${id}' does not exist`);
  const value = JSON.parse(box.open(rows[0].secret, aad(id))) as T;
  registerSecretsIn(value);
  return value;
}

/**
 * Read-modify-write of a connection's secret under a per-connection lock: the function sees the
 * freshly read value (another process may have refreshed it meanwhile) and may return a new one,
 * which is stored before the lock is released.
 */
export async function updateSecret<T>(db: Db, box: SecretBox, id: string, fn: (current: T) => Promise<T | undefined>, expiresAt?: (v: T) => Date | null): Promise<T> {
  return db.withLock(`connection:${id}`, async (tx) => {
    const current = await readSecret<T>(tx, box, id);
    const next = await fn(current);
    if (next === undefined) return current;
    registerSecretsIn(next);
    await tx.query(
      `update connections set secret = $2, token_expires_at = $3, status = 'ok', status_reason = null, version = version + 1, updated_at = now() where id = $1`,
      [id, box.seal(JSON.stringify(next), aad(id)), expiresAt?.(next)?.toISOString() ?? null],
    );
    return next;
  });
}

export async function markNeedsReconnect(db: Db, id: string, reason: string): Promise<void> {
  await db.query("update connections set status = 'needs_reconnect', status_reason = $2, updated_at = now() where id = $1", [id, reason]);
}

export async function markSuccess(db: Db, id: string): Promise<void> {
  await db.query("update connections set last_success_at = now(), status = case when status = 'needs_reconnect' then status else 'ok' end where id = $1", [id]);
}

export async function deleteConnection(db: Db, id: string): Promise<void> {
  await db.query('delete from connections where id = $1', [id]);
}

/**
 * The secrets in a decrypted credential are registered for scrubbing from logs and errors: the
 * string values of secret-named fields (password, devKey, sessionId, accessToken, clientSecret),
 * at any depth. The other fields are identifiers, not secrets: registering BILL's organizationId
 * once turned every mention of the organisation in the logs into [REDACTED].
 */
function registerSecretsIn(value: unknown, key: string | null = null, depth = 0): void {
  if (depth > 8) return;
  if (typeof value === 'string') {
    // A secret stored as bare text is a secret as a whole.
    if (key === null ? depth === 0 : isCredentialSecretField(key)) registerSecret(value);
  } else if (Array.isArray(value)) {
    for (const v of value) registerSecretsIn(v, key, depth + 1);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) registerSecretsIn(v, k, depth + 1);
  }
}
