import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../src/core/errors.ts';
import { callsTo, startXeroHarness } from './xero-harness.ts';

const TOKEN = /connect\/token/;
const ORG = /Organisation/;

test('Xero tokens: refreshed shortly before expiry, once, and the rotated pair is saved', async () => {
  const h = await startXeroHarness({ seed: 41 });
  try {
    let now = Date.now();
    const xero = h.client({ clock: { now: () => now } });
    const tenant = xero.forTenant(h.tenantId);
    await tenant.getOrganisation();
    assert.equal(xero.tokens.refreshCount, 0);
    now += 29 * 60_000;
    await h.advanceClock(29 * 60);
    await h.resetStats();
    await tenant.getOrganisation();
    assert.equal(xero.tokens.refreshCount, 1);
    const stats = await h.stats();
    assert.equal(callsTo(stats, TOKEN), 1);
    assert.equal(callsTo(stats, ORG), 1, 'no call was wasted on the old token');
    const saved = await h.store.load();
    assert.notEqual(saved.refreshToken, h.first.credentials.refreshToken);
    assert.notEqual(saved.accessToken, h.first.credentials.accessToken);
  } finally {
    await h.stop();
  }
});

test('Xero tokens: 10 concurrent callers in two processes cause exactly one refresh', async () => {
  const h = await startXeroHarness({ seed: 42, latencyMs: 20 });
  try {
    let now = Date.now();
    const clock = { now: () => now };
    const processA = h.client({ clock });
    const processB = h.client({ clock });
    await processA.forTenant(h.tenantId).getOrganisation();
    await processB.forTenant(h.tenantId).getOrganisation();
    now += 31 * 60_000;
    await h.advanceClock(31 * 60);
    await h.resetStats();
    const calls = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? processA : processB).forTenant(h.tenantId).getOrganisation());
    const orgs = await Promise.all(calls);
    assert.equal(orgs.length, 10);
    assert.equal(processA.tokens.refreshCount + processB.tokens.refreshCount, 1);
    const stats = await h.stats();
    assert.equal(callsTo(stats, TOKEN), 1);
    // Two processes have two in-process limiters, so Xero's concurrency 429s may show up here; a 401 may not.
    assert.equal(processA.metrics.rejections.auth_expired ?? 0, 0, 'every call used a valid token the first time');
    assert.equal(processB.metrics.rejections.auth_expired ?? 0, 0, 'every call used a valid token the first time');
    assert.equal(h.store.saves.length, 1);
  } finally {
    await h.stop();
  }
});

test('Xero tokens: the rotated refresh token is saved before the new access token is used', async () => {
  const h = await startXeroHarness({ seed: 43 });
  try {
    let now = Date.now();
    const xero = h.client({ clock: { now: () => now } });
    const tenant = xero.forTenant(h.tenantId);
    now += 31 * 60_000;
    await h.advanceClock(31 * 60);
    await h.resetStats();
    // A failing save: the refresh happened at Xero, but the new token must never be used.
    h.store.beforeSave = () => {
      throw new Error('database unavailable');
    };
    await assert.rejects(tenant.getOrganisation(), /database unavailable/);
    let stats = await h.stats();
    assert.equal(callsTo(stats, TOKEN), 1);
    assert.equal(callsTo(stats, ORG), 0, 'no API call with an unsaved token');
    // A working save: the API is called only after the save, and with the saved token.
    const orgCallsAtSave: number[] = [];
    h.store.beforeSave = async () => {
      orgCallsAtSave.push(callsTo(await h.stats(), ORG));
    };
    await tenant.getOrganisation();
    stats = await h.stats();
    assert.deepEqual(orgCallsAtSave, [0]);
    assert.equal(callsTo(stats, ORG), 1);
    assert.equal((await h.store.load()).accessToken, (await xero.tokens.accessToken()));
  } finally {
    await h.stop();
  }
});

test('Xero tokens: a 401 TokenExpired refreshes once and repeats the call once', async () => {
  const h = await startXeroHarness({ seed: 44 });
  try {
    const xero = h.client();
    const tenant = xero.forTenant(h.tenantId);
    await tenant.getOrganisation();
    await h.resetStats();
    await h.faults({ expireAuthNow: true });
    const org = await tenant.getOrganisation();
    assert.ok(org.Name);
    assert.equal(xero.tokens.refreshCount, 1);
    const stats = await h.stats();
    assert.equal(callsTo(stats, ORG), 2);
    assert.equal(callsTo(stats, TOKEN), 1);
    assert.equal(xero.metrics.rejections.auth_expired, 1);
  } finally {
    await h.stop();
  }
});

test('Xero tokens: invalid_grant on refresh is MLC_ERR_RECONNECT_NEEDED and nothing is saved', async () => {
  const h = await startXeroHarness({ seed: 45 });
  try {
    await h.oauth.revoke(h.first.credentials.refreshToken);
    let now = Date.now();
    const xero = h.client({ clock: { now: () => now } });
    now += 31 * 60_000;
    const savesBefore = h.store.saves.length;
    await assert.rejects(xero.forTenant(h.tenantId).getOrganisation(), (e: unknown) => {
      assert.ok(e instanceof ConnectorError);
      assert.equal(e.code, 'MLC_ERR_RECONNECT_NEEDED');
      assert.equal(e.kind, 'needs_reauth');
      assert.match(e.message, /Run `ml-connector connect xero` again/);
      return true;
    });
    assert.equal(h.store.saves.length, savesBefore);
  } finally {
    await h.stop();
  }
});
