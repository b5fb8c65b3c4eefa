import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../store/db.ts';

/**
 * Dashboard sessions: a random id in an HttpOnly, SameSite=Strict cookie, and the session itself in
 * the database (kv), stored under the hash of its id so a database reader cannot replay a cookie.
 * Server-side sessions, unlike signed cookies, end for good on logout and are shared by every web
 * process. Each session also carries its CSRF token and a tag derived from the API token, so
 * rotating the API token signs everyone out.
 */
export const sessionCookie = 'mlc_session';
const lifetimeMs = 12 * 3600_000;
const keyOf = (id: string): string => `dashboard-session:${createHash('sha256').update(id).digest('hex')}`;
const tagOf = (apiToken: string, id: string): string => createHmac('sha256', apiToken).update(`dashboard-session:${id}`).digest('hex');

export interface Session {
  csrf: string;
  expiresAt: number;
}

interface StoredSession extends Session {
  tag: string;
}

/** Constant-time equality of two strings of any length (both are hashed first). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export async function createSession(db: Db, apiToken: string, now = Date.now()): Promise<{ id: string; session: Session }> {
  const id = randomBytes(32).toString('base64url');
  const session: StoredSession = { csrf: randomBytes(24).toString('base64url'), expiresAt: now + lifetimeMs, tag: tagOf(apiToken, id) };
  // Expired sessions are swept at each login: logins are rare, so this costs nothing noticeable.
  await db.query("delete from kv where key like 'dashboard-session:%' and (value->>'expiresAt')::bigint < $1", [now]);
  await db.query('insert into kv (key, value, updated_at) values ($1, $2::jsonb, now())', [keyOf(id), JSON.stringify(session)]);
  return { id, session: { csrf: session.csrf, expiresAt: session.expiresAt } };
}

export async function readSession(db: Db, apiToken: string, id: string | undefined, now = Date.now()): Promise<Session | null> {
  if (!id || id.length > 100) return null;
  const { rows } = await db.query<{ value: StoredSession }>('select value from kv where key = $1', [keyOf(id)]);
  const stored = rows[0]?.value;
  if (!stored || stored.expiresAt < now || !sameSecret(stored.tag, tagOf(apiToken, id))) return null;
  return { csrf: stored.csrf, expiresAt: stored.expiresAt };
}

export async function deleteSession(db: Db, id: string | undefined): Promise<void> {
  if (id) await db.query('delete from kv where key = $1', [keyOf(id)]);
}

/** The value of one cookie from a Cookie header (no dependency needed for one name). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookieHeader(id: string, options: { path: string; secure: boolean; maxAgeSeconds?: number }): string {
  const attributes = [`${sessionCookie}=${id}`, `Path=${options.path}`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${options.maxAgeSeconds ?? lifetimeMs / 1000}`];
  if (options.secure) attributes.push('Secure');
  return attributes.join('; ');
}
