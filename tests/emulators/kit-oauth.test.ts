import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { EmulatorContext, createFastify, registerCommonControlRoutes } from '../../src/emulators/kit/base.ts';
import { OAuthAuthorizationServer, type OAuthLifetimes } from '../../src/emulators/kit/oauth/authorization-server.ts';
import { oauthLogin } from '../../src/emulators/kit/oauth/login.ts';
import { registerOAuthRoutes } from '../../src/emulators/kit/oauth/routes.ts';

/**
 * The kit's OAuth 2.0 authorization server on a tiny emulator of its own, over real HTTP: the code
 * flow with PKCE, refresh rotation, revocation and expiry on the emulator clock, with lifetimes given
 * by the emulator (Intuit's here: 3600 s access tokens, 100-day refresh tokens, no grace).
 */

const INTUIT: OAuthLifetimes = { accessTokenSeconds: 3600, refreshTokenMs: 100 * 86_400_000, supersededGraceMs: 0, codeMs: 10 * 60_000 };
const CLIENT = { clientId: 'kit-client', clientSecret: 'kit-secret', name: 'Kit test app' };
const PATHS = { authorize: '/oauth2/authorize', token: '/oauth2/token', revocation: '/oauth2/revoke' };
const DAY_S = 86_400;

interface Harness {
  base: string;
  revoked: string[];
  stop(): Promise<void>;
}

async function withServer(lifetimes: OAuthLifetimes, fn: (h: Harness) => Promise<void>): Promise<void> {
  const ctx = new EmulatorContext({ seed: 1 });
  const app = createFastify();
  const revoked: string[] = [];
  const server = new OAuthAuthorizationServer(ctx.clock, lifetimes, { onRevoke: (grant) => revoked.push(grant.authorizationId) });
  server.registerClient(CLIENT);
  registerCommonControlRoutes(app, ctx);
  registerOAuthRoutes(app, ctx, server, { paths: PATHS, scopeAllowed: (s) => /^(accounting|offline)$/.test(s), onConsent: ({ authorizationId }) => ({ realmId: `realm-${authorizationId.slice(0, 8)}` }) });
  // A protected resource: what a vendor's API does with a bearer token.
  app.get('/resource', async (request, reply) => {
    const token = /^Bearer (\S+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    const access = server.checkAccess(token);
    if (!access) return reply.code(401).send({ error: 'unknown' });
    if ('expiredAt' in access) return reply.code(401).send({ error: 'expired' });
    return { clientId: access.clientId, revoked: access.revoked };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const h: Harness = { base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, revoked, stop: () => app.close() };
  try {
    await fn(h);
  } finally {
    await h.stop();
  }
}

const basic = `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`;

async function token(h: Harness, form: Record<string, string>, authorization: string | null = basic): Promise<{ status: number; body: Record<string, string | number> }> {
  const res = await fetch(`${h.base}${PATHS.token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string | number> };
}

const login = (h: Harness) => oauthLogin({ authorizeUrl: `${h.base}${PATHS.authorize}`, tokenUrl: `${h.base}${PATHS.token}`, client: CLIENT, scope: 'accounting offline' });

async function resource(h: Harness, accessToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${h.base}/resource`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function advance(h: Harness, seconds: number): Promise<void> {
  const res = await fetch(`${h.base}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: seconds }) });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
}

test('code flow with PKCE: tokens with the configured lifetime, vendor redirect parameters, a single-use code, the verifier checked', () =>
  withServer(INTUIT, async (h) => {
    const tokens = await login(h);
    assert.equal(tokens.expires_in, 3600);
    assert.equal(tokens.token_type, 'Bearer');
    assert.ok(tokens.refresh_token);
    assert.equal((await resource(h, tokens.access_token)).status, 200);

    const verifier = randomBytes(48).toString('base64url');
    const authorize = new URL(`${h.base}${PATHS.authorize}`);
    authorize.search = new URLSearchParams({
      response_type: 'code', client_id: CLIENT.clientId, redirect_uri: 'http://127.0.0.1:9/cb', scope: 'accounting', state: 's1',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    }).toString();
    const consent = await fetch(authorize, { redirect: 'manual' });
    assert.equal(consent.status, 302);
    const back = new URL(consent.headers.get('location')!);
    assert.match(back.searchParams.get('realmId') ?? '', /^realm-/, 'onConsent adds its parameters to the redirect');
    const code = back.searchParams.get('code')!;
    const exchange = { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/cb' };
    assert.deepEqual((await token(h, { ...exchange, code_verifier: randomBytes(48).toString('base64url') })).body.error, 'invalid_grant');
    const ok = await token(h, { ...exchange, code_verifier: verifier });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.scope, 'accounting');
    const again = await token(h, { ...exchange, code_verifier: verifier });
    assert.deepEqual(again.body, { error: 'invalid_grant' }, 'a code works once');
  }));

test('client registration: an unknown client gets an error page, a wrong secret invalid_client; the secret may also come in the form', () =>
  withServer(INTUIT, async (h) => {
    const page = await fetch(`${h.base}${PATHS.authorize}?client_id=nobody&redirect_uri=http://127.0.0.1:9/cb&response_type=code&scope=accounting`, { redirect: 'manual' });
    assert.equal(page.status, 400);
    assert.match(await page.text(), /client_id/);
    const tokens = await login(h);
    const wrong = await token(h, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, `Basic ${Buffer.from(`${CLIENT.clientId}:nope`).toString('base64')}`);
    assert.deepEqual(wrong.body, { error: 'invalid_client' });
    const inForm = await token(h, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret }, null);
    assert.equal(inForm.status, 200);
  }));

test('refresh rotates: a new refresh token each time, and with no grace the old one is refused at once', () =>
  withServer(INTUIT, async (h) => {
    const first = await login(h);
    const second = await token(h, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    assert.equal(second.status, 200);
    assert.notEqual(second.body.refresh_token, first.refresh_token);
    assert.notEqual(second.body.access_token, first.access_token);
    const old = await token(h, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    assert.equal(old.status, 400);
    assert.deepEqual(old.body, { error: 'invalid_grant' });
    const third = await token(h, { grant_type: 'refresh_token', refresh_token: String(second.body.refresh_token) });
    assert.equal(third.status, 200, 'the new one works');
  }));

test('a superseded refresh token works for the grace period on the emulator clock, then not', () =>
  withServer({ ...INTUIT, supersededGraceMs: 30 * 60_000 }, async (h) => {
    const first = await login(h);
    assert.equal((await token(h, { grant_type: 'refresh_token', refresh_token: first.refresh_token! })).status, 200);
    await advance(h, 29 * 60);
    const withinGrace = await token(h, { grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    assert.equal(withinGrace.status, 200);
    await advance(h, 2 * 60);
    assert.deepEqual((await token(h, { grant_type: 'refresh_token', refresh_token: first.refresh_token! })).body, { error: 'invalid_grant' });
  }));

test('expiry by the emulator clock: access tokens after expires_in, refresh tokens after their lifetime', () =>
  withServer(INTUIT, async (h) => {
    const tokens = await login(h);
    await advance(h, 3599);
    assert.equal((await resource(h, tokens.access_token)).status, 200);
    await advance(h, 1);
    assert.deepEqual(await resource(h, tokens.access_token), { status: 401, body: { error: 'expired' } });

    await advance(h, 99 * DAY_S - 3600);
    const refreshed = await token(h, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
    assert.equal(refreshed.status, 200, 'alive on day 99');
    await advance(h, 100 * DAY_S);
    const dead = await token(h, { grant_type: 'refresh_token', refresh_token: String(refreshed.body.refresh_token) });
    assert.deepEqual(dead.body, { error: 'invalid_grant' }, 'dead after 100 days unused');
  }));

test('revocation ends the grant: refresh refused, the live access token marked revoked, the vendor hook called; unknown tokens still 200', () =>
  withServer(INTUIT, async (h) => {
    const tokens = await login(h);
    const revoke = (t: string) =>
      fetch(`${h.base}${PATHS.revocation}`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: t }).toString() });
    const unknown = await revoke('not-a-token');
    assert.equal(unknown.status, 200);
    await unknown.arrayBuffer();
    assert.deepEqual(h.revoked, []);
    const res = await revoke(tokens.refresh_token!);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    assert.equal(h.revoked.length, 1);
    assert.deepEqual((await token(h, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! })).body, { error: 'invalid_grant' });
    assert.deepEqual((await resource(h, tokens.access_token)).body, { clientId: CLIENT.clientId, revoked: true });
  }));
