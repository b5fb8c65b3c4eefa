import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../store/db.ts';
import type { SecretBox } from '../../store/repos/secret-box.ts';

/**
 * Browser OAuth flows (table oauth_flows). The state is single use and short-lived, and bound to
 * the browser that started it by a random cookie whose hash is kept: a callback with a forged,
 * replayed or expired state, or from another browser, finds nothing to continue
 * (RFC 6749 §10.12; https://developer.xero.com/documentation/oauth2/auth-flow).
 */
export const flowCookie = 'mlc_oauth';
export const flowLifetimeMs = 10 * 60_000;

const hash = (nonce: string): string => createHash('sha256').update(nonce).digest('hex');
const aad = (state: string, part: string): string => `oauth-flow:${state}:${part}`;

export interface StartedFlow {
  state: string;
  /** Goes in the cookie; only its hash is stored. */
  browserNonce: string;
}

export async function startFlow(db: Db, box: SecretBox, f: { system: string; state: string; codeVerifier: string; redirectUri: string }): Promise<StartedFlow> {
  const browserNonce = randomBytes(32).toString('base64url');
  await db.query('delete from oauth_flows where expires_at < now()');
  await db.query(
    `insert into oauth_flows (state, system, browser_hash, redirect_uri, code_verifier, stage, expires_at)
     values ($1, $2, $3, $4, $5, 'started', now() + make_interval(secs => $6::int))`,
    [f.state, f.system, hash(browserNonce), f.redirectUri, box.seal(f.codeVerifier, aad(f.state, 'verifier')), flowLifetimeMs / 1000],
  );
  return { state: f.state, browserNonce };
}

export type FlowRefusal = 'unknown' | 'used' | 'expired' | 'other_browser';

export const refusalText: Record<FlowRefusal, string> = {
  unknown: 'This sign-in link was not started here (unknown state). Start the connection again.',
  used: 'This sign-in link was already used. Start the connection again.',
  expired: 'This sign-in link expired. Start the connection again.',
  other_browser: 'This sign-in was started in another browser. Start the connection again from this one.',
};

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Moves a flow from one stage to the next exactly once, for the browser holding the cookie:
 * the update is conditional on the stage and the expiry, so two callbacks with one state cannot
 * both continue. Returns the flow's sealed parts opened, or why it was refused.
 */
export async function advanceFlow(
  db: Db,
  box: SecretBox,
  input: { state: string | undefined; browserNonce: string | undefined; system: string; from: 'started' | 'exchanged'; to: 'exchanged' | 'done' | 'failed' },
): Promise<{ ok: true; redirectUri: string; codeVerifier: string; pending: string | null } | { ok: false; why: FlowRefusal }> {
  if (!input.state || input.state.length > 200) return { ok: false, why: 'unknown' };
  const { rows } = await db.query<{ browser_hash: string; stage: string; expired: boolean }>(
    'select browser_hash, stage, expires_at < now() as expired from oauth_flows where state = $1 and system = $2',
    [input.state, input.system],
  );
  const row = rows[0];
  if (!row) return { ok: false, why: 'unknown' };
  if (!input.browserNonce || !sameHash(row.browser_hash, hash(input.browserNonce))) return { ok: false, why: 'other_browser' };
  if (row.stage !== input.from) return { ok: false, why: 'used' };
  if (row.expired) return { ok: false, why: 'expired' };
  const moved = await db.query<{ redirect_uri: string; code_verifier: string; pending: string | null }>(
    `update oauth_flows set stage = $3, updated_at = now() where state = $1 and stage = $2 and expires_at >= now()
     returning redirect_uri, code_verifier, pending`,
    [input.state, input.from, input.to],
  );
  const m = moved.rows[0];
  if (!m) return { ok: false, why: 'used' };
  return {
    ok: true,
    redirectUri: m.redirect_uri,
    codeVerifier: box.open(m.code_verifier, aad(input.state, 'verifier')),
    pending: m.pending ? box.open(m.pending, aad(input.state, 'pending')) : null,
  };
}

/** Keeps what the exchange returned (tokens, tenants) sealed until the user picks a tenant. */
export async function savePending(db: Db, box: SecretBox, state: string, pending: string): Promise<void> {
  await db.query(
    `update oauth_flows set pending = $2, expires_at = now() + make_interval(secs => $3::int), updated_at = now() where state = $1`,
    [state, box.seal(pending, aad(state, 'pending')), flowLifetimeMs / 1000],
  );
}

/** Drops the sealed tokens once they are saved as a connection (or abandoned). */
export async function clearPending(db: Db, state: string): Promise<void> {
  await db.query("update oauth_flows set pending = null, updated_at = now() where state = $1", [state]);
}

export function flowCookieHeader(nonce: string, secure: boolean, maxAgeSeconds = flowLifetimeMs / 1000): string {
  // Lax, not Strict: the cookie must come back on the top-level redirect from Xero to the callback.
  const parts = [`${flowCookie}=${nonce}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}
