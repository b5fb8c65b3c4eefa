import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startXeroEmulator, type XeroEmulator } from '../../src/emulators/xero/index.ts';
import { XeroClient, advance, basic, toRes, tokenCall } from './xero-helpers.ts';

const REDIRECT = 'http://127.0.0.1:5999/xero/callback';
const SCOPE = 'openid profile email offline_access accounting.transactions accounting.contacts accounting.settings';

function authorizeUrl(em: XeroEmulator, params: Record<string, string>): string {
  const u = new URL(`${em.urls.login}/identity/connect/authorize`);
  u.search = new URLSearchParams(params).toString();
  return u.toString();
}

async function authorize(em: XeroEmulator, params: Record<string, string>): Promise<{ status: number; location: URL | null; text: string }> {
  const r = await fetch(authorizeUrl(em, params), { redirect: 'manual' });
  const loc = r.headers.get('location');
  return { status: r.status, location: loc ? new URL(loc) : null, text: await r.text() };
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(40).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const goodParams = (em: XeroEmulator, challenge: string) => ({
  response_type: 'code',
  client_id: em.sandbox.clientId,
  redirect_uri: REDIRECT,
  scope: SCOPE,
  state: 'st-123',
  code_challenge: challenge,
  code_challenge_method: 'S256',
});

async function withEmulator(fn: (em: XeroEmulator) => Promise<void>): Promise<void> {
  const em = await startXeroEmulator({ seed: 5 });
  try {
    await fn(em);
  } finally {
    await em.stop();
  }
}

test('authorize with PKCE and state round-trips to tokens; the code is single-use', () =>
  withEmulator(async (em) => {
    const { verifier, challenge } = pkce();
    const a = await authorize(em, goodParams(em, challenge));
    assert.equal(a.status, 302);
    assert.equal(a.location?.origin + a.location!.pathname, REDIRECT);
    assert.equal(a.location?.searchParams.get('state'), 'st-123');
    const code = a.location!.searchParams.get('code')!;
    assert.ok(code);

    const wrongVerifier = await tokenCall(em, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: pkce().verifier });
    assert.equal(wrongVerifier.status, 400);
    assert.equal(wrongVerifier.body.error, 'invalid_grant');

    const { verifier: v2, challenge: c2 } = pkce();
    const a2 = await authorize(em, goodParams(em, c2));
    const code2 = a2.location!.searchParams.get('code')!;
    const wrongRedirect = await tokenCall(em, { grant_type: 'authorization_code', code: code2, redirect_uri: 'http://127.0.0.1:5999/other', code_verifier: v2 });
    assert.equal(wrongRedirect.body.error, 'invalid_grant');

    const ok = await tokenCall(em, { grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT, code_verifier: v2 });
    assert.equal(ok.status, 200);
    assert.deepEqual(Object.keys(ok.body).sort(), ['access_token', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']);
    assert.equal(ok.body.expires_in, 1800);
    assert.equal(ok.body.token_type, 'Bearer');
    assert.equal(ok.body.scope, SCOPE);
    const claims = JSON.parse(Buffer.from(ok.body.access_token.split('.')[1], 'base64url').toString('utf8'));
    assert.equal(typeof claims.authentication_event_id, 'string');

    const reused = await tokenCall(em, { grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT, code_verifier: v2 });
    assert.equal(reused.status, 400);
    assert.deepEqual(reused.body, { error: 'invalid_grant' });
    assert.ok(verifier);

    const badClient = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: ok.body.refresh_token }, `Basic ${Buffer.from('mlc-sandbox-client:wrong').toString('base64')}`);
    assert.deepEqual(badClient.body, { error: 'invalid_client' });
    const badGrant = await tokenCall(em, { grant_type: 'password' });
    assert.deepEqual(badGrant.body, { error: 'unsupported_grant_type' });
  }));

test('authorization codes live 5 minutes', () =>
  withEmulator(async (em) => {
    const { verifier, challenge } = pkce();
    const a = await authorize(em, goodParams(em, challenge));
    await advance(em, 301);
    const late = await tokenCall(em, { grant_type: 'authorization_code', code: a.location!.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier });
    assert.equal(late.status, 400);
    assert.deepEqual(late.body, { error: 'invalid_grant' });
  }));

test('authorize: bad client or redirect shows a 400 page; odd parameters redirect with an OAuth error', () =>
  withEmulator(async (em) => {
    const { challenge } = pkce();
    const badClient = await authorize(em, { ...goodParams(em, challenge), client_id: 'nobody' });
    assert.equal(badClient.status, 400);
    assert.equal(badClient.location, null);
    const badRedirect = await authorize(em, { ...goodParams(em, challenge), redirect_uri: 'https://evil.example/cb' });
    assert.equal(badRedirect.status, 400);
    assert.match(badRedirect.text, /redirect_uri/);

    const cases: [Record<string, string>, string][] = [
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: '' }, 'invalid_scope'],
      [{ scope: 'openid accounting.everything-please' }, 'invalid_scope'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
    ];
    for (const [override, error] of cases) {
      const r = await authorize(em, { ...goodParams(em, challenge), ...override });
      assert.equal(r.status, 302, JSON.stringify(override));
      assert.equal(r.location?.searchParams.get('error'), error);
      assert.equal(r.location?.searchParams.get('state'), 'st-123');
      assert.equal(r.location?.searchParams.get('code'), null);
    }
  }));

test('access tokens expire after 1800 s of emulator time with the TokenExpired problem body', () =>
  withEmulator(async (em) => {
    const c = await XeroClient.open(em);
    assert.equal((await c.get('/Organisation')).status, 200);
    await advance(em, 1799);
    assert.equal((await c.get('/Organisation')).status, 200);
    await advance(em, 2);
    const r = await c.get('/Organisation');
    assert.equal(r.status, 401);
    assert.equal(r.body.Type, null);
    assert.equal(r.body.Title, 'Unauthorized');
    assert.equal(r.body.Status, 401);
    assert.match(r.body.Detail, /^TokenExpired: token expired at \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/);
    assert.match(r.body.Instance, /^[0-9a-f-]{36}$/);
    assert.deepEqual(r.body.Extensions, {});
    const unknown = await new XeroClient(em, 'not-a-token', undefined).get('/Organisation');
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.Detail, 'AuthenticationUnsuccessful');
  }));

test('refresh rotates the refresh token; the previous one works for 30 minutes, then invalid_grant', () =>
  withEmulator(async (em) => {
    const c = await XeroClient.open(em);
    const first = c.refreshToken!;
    const r1 = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: first });
    assert.equal(r1.status, 200);
    const second = r1.body.refresh_token as string;
    assert.notEqual(second, first);
    assert.equal(r1.body.expires_in, 1800);

    // The response "was lost": retrying with the old token inside the grace period still works.
    await advance(em, 29 * 60);
    const retry = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: first });
    assert.equal(retry.status, 200);
    await advance(em, 61);
    const late = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: first });
    assert.equal(late.status, 400);
    assert.deepEqual(late.body, { error: 'invalid_grant' });
    // The newest token is current and works.
    const newest = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: retry.body.refresh_token });
    assert.equal(newest.status, 200);
    const api = new XeroClient(em, newest.body.access_token, newest.body.refresh_token);
    assert.equal((await api.get('/Organisation')).status, 200);
  }));

test('a refresh token unused for 60 days dies', () =>
  withEmulator(async (em) => {
    const c = await XeroClient.open(em);
    const r = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: c.refreshToken! });
    await advance(em, 59 * 86_400);
    const alive = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: r.body.refresh_token });
    assert.equal(alive.status, 200);
    await advance(em, 60 * 86_400);
    const dead = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: alive.body.refresh_token });
    assert.deepEqual(dead.body, { error: 'invalid_grant' });
    assert.equal(dead.status, 400);
  }));

test('no offline_access, no refresh token', () =>
  withEmulator(async (em) => {
    const t = await em.login({ scope: 'openid accounting.settings.read' });
    assert.equal(t.refresh_token, undefined);
    assert.ok(t.access_token);
  }));

test('/connections lists both tenants; DELETE disconnects one, which then answers 403', () =>
  withEmulator(async (em) => {
    const c = await XeroClient.open(em);
    const list = await toRes(await fetch(em.urls.connections, { headers: { authorization: `Bearer ${c.accessToken}` } }));
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 2);
    const [primary, secondary] = list.body;
    assert.equal(primary.tenantId, em.tenantIds.primary);
    assert.equal(primary.tenantName, 'Demo Company (US)');
    assert.equal(secondary.tenantId, em.tenantIds.secondary);
    for (const conn of list.body) {
      assert.deepEqual(Object.keys(conn).sort(), ['authEventId', 'createdDateUtc', 'id', 'tenantId', 'tenantName', 'tenantType', 'updatedDateUtc']);
      assert.equal(conn.tenantType, 'ORGANISATION');
    }
    // Tenant selection: the same token reaches the second organisation.
    c.tenantId = em.tenantIds.secondary;
    const org2 = await c.get('/Organisation');
    assert.equal(org2.body.Organisations[0].Name, 'Sandbox Small Business (US)');

    const del = await fetch(`${em.urls.connections}/${secondary.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${c.accessToken}` } });
    assert.equal(del.status, 204);
    const again = await fetch(`${em.urls.base}/Connections/${secondary.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${c.accessToken}` } });
    assert.equal(again.status, 404);
    const forbidden = await c.get('/Organisation');
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.Title, 'Forbidden');
    assert.equal(forbidden.body.Detail, 'AuthenticationUnsuccessful');
    c.tenantId = em.tenantIds.primary;
    assert.equal((await c.get('/Organisation')).status, 200);
  }));

test('tenant header missing or unknown answers 403; header names are case-insensitive', () =>
  withEmulator(async (em) => {
    const c = await XeroClient.open(em);
    const missing = await toRes(await fetch(`${em.urls.api}/Organisation`, { headers: { authorization: `Bearer ${c.accessToken}`, accept: 'application/json' } }));
    assert.equal(missing.status, 403);
    assert.equal(missing.body.Status, 403);
    c.tenantId = '00000000-0000-4000-8000-000000000000';
    assert.equal((await c.get('/Organisation')).status, 403);
    const mixedCase = await toRes(
      await fetch(`${em.urls.api}/organisation`, {
        headers: { Authorization: `Bearer ${c.accessToken}`, 'Xero-Tenant-Id': em.tenantIds.primary.toUpperCase(), Accept: 'application/json' },
      }),
    );
    assert.equal(mixedCase.status, 200);
  }));

test('revocation ends the grant and removes every connection', () =>
  withEmulator(async (em) => {
    const c = await XeroClient.open(em);
    const rev = await fetch(`${em.urls.identity}/connect/revocation`, {
      method: 'POST',
      headers: { authorization: basic(em), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: c.refreshToken! }).toString(),
    });
    assert.equal(rev.status, 200);
    const refresh = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: c.refreshToken! });
    assert.deepEqual(refresh.body, { error: 'invalid_grant' });
    assert.equal((await c.get('/Organisation')).status, 403);
    const list = await toRes(await fetch(em.urls.connections, { headers: { authorization: `Bearer ${c.accessToken}` } }));
    assert.deepEqual(list.body, []);
  }));

test('a token without the endpoint family scope is refused with AuthorizationUnsuccessful', () =>
  withEmulator(async (em) => {
    const c = await XeroClient.open(em, 'openid offline_access accounting.settings.read');
    assert.equal((await c.get('/Accounts')).status, 200);
    const r = await c.get('/Invoices');
    assert.equal(r.status, 401);
    assert.equal(r.body.Detail, 'AuthorizationUnsuccessful');
    const granular = await XeroClient.open(em, 'offline_access accounting.invoices.read accounting.payments');
    assert.equal((await granular.get('/Invoices?page=1')).status, 200);
    assert.equal((await granular.get('/Payments')).status, 200);
    assert.equal((await granular.put('/Invoices', { Invoices: [] })).status, 401);
  }));
