import type { Db } from '../../store/db.ts';
import { listConnections, type ConnectionRow } from '../../store/repos/connections.ts';

/**
 * How each connection is doing, for the API and the dashboard. Xero access tokens last 30 minutes
 * and are refreshed as needed, but an unused refresh token expires after 60 days
 * (https://developer.xero.com/faq/oauth2), after which only a new consent helps. The stored access
 * token expiry is set at every refresh, so the refresh token was last used about 30 minutes before
 * it. BILL sessions are renewed by logging in again, so BILL needs a person only when its
 * credentials are refused.
 */
export interface ConnectionHealth {
  id: string;
  system: ConnectionRow['system'];
  label: string | null;
  tenantId: string | null;
  /** ok; expiring: act before `actBy`; needs_reconnect / disabled: syncs stop until reconnected. */
  state: 'ok' | 'expiring' | 'needs_reconnect' | 'disabled';
  needsReconnect: boolean;
  reason: string | null;
  tokenExpiresAt: string | null;
  lastSuccessAt: string | null;
  /** Xero: when the refresh token lapses unless used (any sync uses it). */
  actBy: string | null;
}

const day = 24 * 3600_000;
const refreshTokenLifetimeMs = 60 * day;
const accessTokenLifetimeMs = 30 * 60_000;
const warnBeforeMs = 7 * day;

export function healthOf(c: ConnectionRow, now = Date.now()): ConnectionHealth {
  const base = { id: c.id, system: c.system, label: c.label, tenantId: c.tenant_id, tokenExpiresAt: c.token_expires_at, lastSuccessAt: c.last_success_at };
  if (c.status !== 'ok') return { ...base, state: c.status, needsReconnect: true, reason: c.status_reason ?? (c.status === 'disabled' ? 'disabled' : 'the connection was revoked or expired'), actBy: null };
  if (c.system === 'xero' && c.token_expires_at) {
    const refreshLapses = Date.parse(c.token_expires_at) - accessTokenLifetimeMs + refreshTokenLifetimeMs;
    const actBy = new Date(refreshLapses).toISOString();
    if (now >= refreshLapses) return { ...base, state: 'needs_reconnect', needsReconnect: true, reason: 'the Xero refresh token was unused for 60 days and has lapsed; connect Xero again', actBy };
    if (now >= refreshLapses - warnBeforeMs) return { ...base, state: 'expiring', needsReconnect: false, reason: `the Xero refresh token lapses on ${actBy.slice(0, 10)} unless a sync runs before then`, actBy };
    return { ...base, state: 'ok', needsReconnect: false, reason: null, actBy };
  }
  return { ...base, state: 'ok', needsReconnect: false, reason: null, actBy: null };
}

export async function connectionHealth(db: Db, now = Date.now()): Promise<ConnectionHealth[]> {
  return (await listConnections(db)).map((c) => healthOf(c, now));
}
