/**
 * Connection health reads each system's credential lifetimes from its spec: a Xero connection
 * whose refresh token has gone unused for nearly 60 days is "expiring" a week ahead, and "needs
 * reconnect" once it lapsed; a BILL session login has no such clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthOf } from '../../src/server/connect/health.ts';
import type { ConnectionRow } from '../../src/store/repos/connections.ts';
import { xeroSpec } from '../../src/systems/xero/spec.ts';

const day = 86_400_000;
const row = (system: ConnectionRow['system'], tokenExpiresAt: string | null): ConnectionRow => ({
  id: system, system, label: null, tenant_id: null, config: {}, status: 'ok', status_reason: null,
  token_expires_at: tokenExpiresAt, last_success_at: null, version: 1, created_at: '', updated_at: '',
});

test('a Xero refresh token unused for the lifetime its spec gives lapses; a week before, the connection is expiring', () => {
  // Last refreshed now: its access token expires in 30 minutes, its refresh token in 60 days.
  const now = Date.parse('2026-06-01T00:00:00Z');
  const expires = new Date(now + xeroSpec.auth.accessTokenTtlSeconds * 1000).toISOString();
  const xero = row('xero', expires);
  assert.equal(healthOf(xero, now).state, 'ok');
  assert.equal(healthOf(xero, now).actBy, new Date(now + 60 * day).toISOString());
  assert.equal(healthOf(xero, now + 54 * day).state, 'expiring');
  assert.match(healthOf(xero, now + 54 * day).reason ?? '', /Xero refresh token lapses on 2026-07-31/);
  const lapsed = healthOf(xero, now + 60 * day);
  assert.deepEqual([lapsed.state, lapsed.needsReconnect], ['needs_reconnect', true]);
  assert.match(lapsed.reason ?? '', /unused for 60 days/);
});

test('a BILL session login is ok however long ago its credentials were stored', () => {
  const bill = healthOf(row('bill', '2020-01-01T00:00:00Z'), Date.parse('2026-06-01T00:00:00Z'));
  assert.deepEqual([bill.state, bill.actBy], ['ok', null]);
});
