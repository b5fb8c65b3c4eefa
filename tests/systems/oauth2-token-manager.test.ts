import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../src/core/errors.ts';
import { MemoryCredentialStore } from '../../src/systems/memory-credential-store.ts';
import { OAuth2TokenManager } from '../../src/systems/oauth2-token-manager.ts';
import type { XeroCredentials } from '../../src/systems/xero/auth.ts';
import { callsTo, startXeroHarness } from './xero-harness.ts';

// The shared OAuth 2.0 token manager (src/systems/oauth2-token-manager.ts) against the Xero
// emulator's token endpoint. Single flight, save-before-use and invalid_grant are in
// xero-tokens.test.ts; these cover the other paths of the manager.

const TOKEN = /connect\/token/;
const ORG = /Organisation/;
const MINUTE = 60_000;

test('OAuth 2.0 tokens: a token another process saved is used as is, and refreshed when it too is about to expire', async () => {
  const h = await startXeroHarness({ seed: 71 });
  try {
    let now = Date.now();
    const clock = { now: () => now };
    const processA = h.client({ clock });
    const processD = h.client({ clock });
    await processA.forTenant(h.tenantId).getOrganisation();
    await processD.forTenant(h.tenantId).getOrganisation();
    now += 29 * MINUTE;
    await h.advanceClock(29 * 60);
    await h.resetStats();
    // B refreshes first; A's cached token is as old, but the store already holds B's fresh one.
    const processB = h.client({ clock });
    await processB.forTenant(h.tenantId).getOrganisation();
    await processA.forTenant(h.tenantId).getOrganisation();
    assert.equal(processA.tokens.refreshCount, 0);
    assert.equal(callsTo(await h.stats(), TOKEN), 1);
    const fromB = await h.store.load();
    // Past the expiry of B's token too: D, still holding the first token, finds B's stale in the
    // store and refreshes at once with B's refresh token, instead of calling with it and being refused.
    now += 31 * MINUTE;
    await h.advanceClock(31 * 60);
    await h.resetStats();
    await processD.forTenant(h.tenantId).getOrganisation();
    assert.equal(processD.tokens.refreshCount, 1);
    const stats = await h.stats();
    assert.equal(callsTo(stats, TOKEN), 1);
    assert.equal(callsTo(stats, ORG), 1, 'no call was made with the expired token');
    assert.equal(processD.metrics.rejections.auth_expired ?? 0, 0);
    const saved = await h.store.load();
    assert.notEqual(saved.accessToken, fromB.accessToken);
    assert.notEqual(saved.refreshToken, fromB.refreshToken);
  } finally {
    await h.stop();
  }
});

test('OAuth 2.0 tokens: a refresh the token endpoint keeps failing saves nothing, and the next call refreshes again', async () => {
  const h = await startXeroHarness({ seed: 72 });
  try {
    let now = Date.now();
    const xero = h.client({ clock: { now: () => now } });
    now += 31 * MINUTE;
    await h.advanceClock(31 * 60);
    await h.resetStats();
    const savesBefore = h.store.saves.length;
    await h.faults({ pathPattern: 'connect/token', script: Array.from({ length: 4 }, () => ({ fault: 'server_error' })) });
    await assert.rejects(xero.forTenant(h.tenantId).getOrganisation(), (e: unknown) => e instanceof ConnectorError && e.code === 'MLC_ERR_SERVER');
    let stats = await h.stats();
    assert.equal(callsTo(stats, TOKEN), 4, 'the refresh was retried up to the attempt budget');
    assert.equal(callsTo(stats, ORG), 0);
    assert.equal(h.store.saves.length, savesBefore);
    assert.equal((await h.store.load()).refreshToken, h.first.credentials.refreshToken);
    const org = await xero.forTenant(h.tenantId).getOrganisation();
    assert.ok(org.Name);
    stats = await h.stats();
    assert.equal(callsTo(stats, TOKEN), 5);
    assert.equal(h.store.saves.length, savesBefore + 1);
    assert.notEqual((await h.store.load()).refreshToken, h.first.credentials.refreshToken);
  } finally {
    await h.stop();
  }
});

test('OAuth 2.0 tokens: lifetimes come from the system, and an answer without expiry or refresh token keeps the stored one', async () => {
  const h = await startXeroHarness({ seed: 73 });
  try {
    let now = Date.now();
    const original = h.first.credentials;
    const store = new MemoryCredentialStore<XeroCredentials>({ ...original, expiresAt: now - 1 });
    // A one-hour token refreshed five minutes early (QuickBooks Online's numbers), from a refresh
    // whose answer names neither an expiry nor a new refresh token (RFC 6749 §6 allows both).
    const tokens = new OAuth2TokenManager<XeroCredentials>({
      store,
      refresh: async (refreshToken) => ({ accessToken: (await h.oauth.refresh(refreshToken)).accessToken }),
      lifetimes: { accessTokenTtlSeconds: 3600, refreshSkewSeconds: 300 },
      clock: { now: () => now },
    });
    await h.resetStats();
    const first = await tokens.accessToken();
    const saved = await store.load();
    assert.equal(saved.accessToken, first);
    assert.notEqual(first, original.accessToken);
    assert.equal(saved.expiresAt, now + 3600 * 1000);
    assert.equal(saved.refreshToken, original.refreshToken);
    now += 54 * MINUTE;
    assert.equal(await tokens.accessToken(), first, 'still outside the five-minute margin');
    assert.equal(callsTo(await h.stats(), TOKEN), 1);
    now += 2 * MINUTE;
    assert.notEqual(await tokens.accessToken(), first);
    assert.equal(callsTo(await h.stats(), TOKEN), 2);
    assert.equal(tokens.refreshCount, 2);
    assert.equal(store.saves.length, 2);
  } finally {
    await h.stop();
  }
});
