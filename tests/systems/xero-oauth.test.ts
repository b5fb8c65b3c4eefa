import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ConnectorError } from '../../src/core/errors.ts';
import { REDIRECT_URI, authorizeWithEmulator, startXeroHarness } from './xero-harness.ts';

test('Xero OAuth: authorize URL carries PKCE S256 and state; the code exchange returns a 30-minute token pair', async () => {
  const h = await startXeroHarness({ seed: 31 });
  try {
    const before = Date.now();
    const run = await authorizeWithEmulator(h.oauth);
    const url = new URL(run.authorizeUrl);
    assert.equal(url.pathname, '/identity/connect/authorize');
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('code_challenge'), createHash('sha256').update(run.codeVerifier).digest('base64url'));
    assert.match(url.searchParams.get('scope')!, /offline_access/);
    assert.equal(run.returnedState, run.state);
    assert.ok(run.credentials.accessToken && run.credentials.refreshToken);
    assert.ok(Math.abs(run.credentials.expiresAt - (before + 1800_000)) < 60_000);
    const connections = await h.oauth.listConnections(run.credentials.accessToken);
    assert.ok(connections.length >= 1);
    assert.ok(connections.every((c) => c.tenantId && c.tenantType));
  } finally {
    await h.stop();
  }
});

test('Xero OAuth: a callback with the wrong state is refused before any token call; a wrong verifier is refused by Xero', async () => {
  const h = await startXeroHarness({ seed: 32 });
  try {
    const { url, state, codeVerifier } = h.oauth.buildAuthorizeUrl({ redirectUri: REDIRECT_URI });
    const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    const code = location.searchParams.get('code')!;
    await h.resetStats();
    await assert.rejects(h.oauth.exchangeCode({ code, state: `${state}x`, expectedState: state, redirectUri: REDIRECT_URI, codeVerifier }), (e: unknown) => {
      assert.ok(e instanceof ConnectorError && e.code === 'MLC_ERR_CONFIG' && /state/.test(e.message));
      return true;
    });
    assert.equal((await h.stats()).totalCalls, 0);
    await assert.rejects(h.oauth.exchangeCode({ code, state, expectedState: state, redirectUri: REDIRECT_URI, codeVerifier: `${codeVerifier.slice(0, -2)}zz` }), (e: unknown) => {
      assert.ok(e instanceof ConnectorError);
      assert.equal(e.vendorCode, 'invalid_grant');
      return true;
    });
  } finally {
    await h.stop();
  }
});

test('Xero OAuth: after revocation the refresh fails with MLC_ERR_RECONNECT_NEEDED naming the command to run', async () => {
  const h = await startXeroHarness({ seed: 33 });
  try {
    const run = await authorizeWithEmulator(h.oauth);
    await h.oauth.revoke(run.credentials.refreshToken);
    await assert.rejects(h.oauth.refresh(run.credentials.refreshToken), (e: unknown) => {
      assert.ok(e instanceof ConnectorError);
      assert.equal(e.code, 'MLC_ERR_RECONNECT_NEEDED');
      assert.match(e.message, /ml-connector connect xero/);
      assert.ok(!e.message.includes(run.credentials.refreshToken));
      return true;
    });
  } finally {
    await h.stop();
  }
});
