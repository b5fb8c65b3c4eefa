import type { Db } from '../../store/db.ts';
import { listConnections, type ConnectionRow } from '../../store/repos/connections.ts';
import { systemSpecs } from '../../systems/registry.ts';

/**
 * How each connection is doing, for the API and the dashboard. An OAuth 2.0 system with refresh
 * tokens that lapse when unused (Xero: 30-minute access tokens, refresh tokens dead after 60 unused
 * days) needs a new consent before its refresh token lapses; the lifetimes come from the system's
 * spec. The stored access-token expiry is set at every refresh, so the refresh token was last used
 * one access-token lifetime before it. Session logins (BILL) are renewed by logging in again, so
 * they need a person only when their credentials are refused.
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
  /** OAuth systems: when the refresh token lapses unless used (any sync uses it). */
  actBy: string | null;
}

const warnBeforeMs = 7 * 24 * 3600_000;

export function healthOf(c: ConnectionRow, now = Date.now()): ConnectionHealth {
  const base = { id: c.id, system: c.system, label: c.label, tenantId: c.tenant_id, tokenExpiresAt: c.token_expires_at, lastSuccessAt: c.last_success_at };
  if (c.status !== 'ok') return { ...base, state: c.status, needsReconnect: true, reason: c.status_reason ?? (c.status === 'disabled' ? 'disabled' : 'the connection was revoked or expired'), actBy: null };
  const spec = systemSpecs[c.system];
  if (spec?.auth.kind === 'oauth2-code' && c.token_expires_at) {
    const { accessTokenTtlSeconds, refreshTokenIdleSeconds } = spec.auth;
    const refreshLapses = Date.parse(c.token_expires_at) + (refreshTokenIdleSeconds - accessTokenTtlSeconds) * 1000;
    const actBy = new Date(refreshLapses).toISOString();
    const days = Math.round(refreshTokenIdleSeconds / 86_400);
    if (now >= refreshLapses) return { ...base, state: 'needs_reconnect', needsReconnect: true, reason: `the ${spec.displayName} refresh token was unused for ${days} days and has lapsed; connect ${spec.displayName} again`, actBy };
    if (now >= refreshLapses - warnBeforeMs) return { ...base, state: 'expiring', needsReconnect: false, reason: `the ${spec.displayName} refresh token lapses on ${actBy.slice(0, 10)} unless a sync runs before then`, actBy };
    return { ...base, state: 'ok', needsReconnect: false, reason: null, actBy };
  }
  return { ...base, state: 'ok', needsReconnect: false, reason: null, actBy: null };
}

export async function connectionHealth(db: Db, now = Date.now()): Promise<ConnectionHealth[]> {
  return (await listConnections(db)).map((c) => healthOf(c, now));
}
