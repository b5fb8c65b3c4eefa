import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applyTransportFault, type EmulatorContext } from '../kit/base.ts';
import type { AuthStore, TokenResult } from './auth-store.ts';
import { isoNoZone } from './dates.ts';
import { tokenExpired, unauthenticated, type ApiResult } from './errors.ts';
import type { XeroState } from './state.ts';

/**
 * Xero Identity (A1; XI, XAF, XPK, XT): the authorize page (auto-consent for the sandbox user, who
 * connects every tenant), the token endpoint (HTTP Basic client auth; authorization_code with PKCE
 * S256, refresh_token with rotation), revocation, and /connections. Any http://127.0.0.1 or
 * http://localhost redirect URI is registered for the sandbox app.
 */

const KNOWN_SCOPE =
  /^(openid|profile|email|offline_access|accounting\.[a-z]+(\.[a-z]+)*|payroll\.[a-z]+(\.read)?|files(\.read)?|assets(\.read)?|projects(\.read)?)$/;

function errorPage(reply: FastifyReply, message: string): FastifyReply {
  // Bad client or redirect URI: never redirect to an unverified URI (RFC 6749 §4.1.2.1); show a page.
  return reply
    .code(400)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html><html><head><title>Error</title></head><body><h1>Sorry, something went wrong</h1><p>${message}</p></body></html>`);
}

function allowedRedirect(uri: string | undefined): boolean {
  if (!uri) return false;
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost') && !u.hash;
  } catch {
    return false;
  }
}

function clientFrom(request: FastifyRequest, auth: AuthStore, body: Record<string, string>) {
  const basic = /^Basic\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return null;
    return auth.checkClient(decodeURIComponent(decoded.slice(0, i)), decodeURIComponent(decoded.slice(i + 1)));
  }
  return auth.checkClient(body.client_id, body.client_secret);
}

function tokenReply(reply: FastifyReply, r: TokenResult): FastifyReply {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (r.ok) return reply.code(200).send(r.body);
  return reply.code(400).send(r.description ? { error: r.error, error_description: r.description } : { error: r.error });
}

function sendApi(reply: FastifyReply, r: ApiResult): FastifyReply {
  return reply.code(r.status).send(r.body);
}

export function registerIdentityRoutes(app: FastifyInstance, ctx: EmulatorContext, auth: AuthStore, state: XeroState, base: () => string): void {
  app.get('/.well-known/openid-configuration', async () => ({
    issuer: base(),
    authorization_endpoint: `${base()}/identity/connect/authorize`,
    token_endpoint: `${base()}/connect/token`,
    revocation_endpoint: `${base()}/connect/revocation`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  }));

  app.get('/identity/connect/authorize', async (request, reply) => {
    ctx.stats.countCall('GET /identity/connect/authorize');
    const q = (request.query ?? {}) as Record<string, string | undefined>;
    const client = q.client_id ? auth.clients.get(q.client_id) : undefined;
    if (!client) return errorPage(reply, 'Invalid client_id: this app is not registered.');
    const redirectUri = q.redirect_uri;
    if (!allowedRedirect(redirectUri)) return errorPage(reply, 'Invalid redirect_uri: it must be an http://127.0.0.1 or http://localhost URL registered for the app.');
    const target = new URL(redirectUri!);
    const fail = (error: string, description: string) => {
      target.searchParams.set('error', error);
      target.searchParams.set('error_description', description);
      if (q.state !== undefined) target.searchParams.set('state', q.state);
      return reply.redirect(target.toString(), 302);
    };
    if (q.response_type !== 'code') return fail('unsupported_response_type', 'response_type must be code');
    const scope = (q.scope ?? '').split(/[\s+]+/).filter(Boolean);
    if (scope.length === 0) return fail('invalid_scope', 'scope is required');
    const unknown = scope.filter((s) => !KNOWN_SCOPE.test(s));
    if (unknown.length) return fail('invalid_scope', `Invalid scope for client: ${unknown.join(' ')}`);
    const challenge = q.code_challenge;
    const method = q.code_challenge_method;
    if (challenge !== undefined || method !== undefined) {
      if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
      if (!challenge || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) return fail('invalid_request', 'code_challenge must be the base64url SHA-256 of the code_verifier');
    }
    const code = auth.issueCode({
      clientId: client.clientId,
      redirectUri: redirectUri!,
      scope,
      ...(challenge !== undefined ? { challenge } : {}),
      tenants: state.list().map((t) => ({ tenantId: t.tenantId, tenantName: t.name })),
    });
    target.searchParams.set('code', code);
    target.searchParams.set('scope', scope.join(' '));
    if (q.state !== undefined) target.searchParams.set('state', q.state);
    return reply.redirect(target.toString(), 302);
  });

  app.post('/connect/token', async (request, reply) => {
    ctx.stats.countCall('POST /connect/token');
    const fault = ctx.faults.decide('/connect/token', 'POST');
    if (fault.kind === 'server_error' || fault.kind === 'unavailable') return reply.code(fault.kind === 'server_error' ? 500 : 503).send({ error: 'server_error' });
    if (fault.kind === 'rate_limited') return reply.code(429).header('retry-after', '1').send({ error: 'temporarily_unavailable' });
    if (await applyTransportFault(fault, request)) return reply.hijack();
    const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, string>;
    const client = clientFrom(request, auth, body);
    if (!client) return tokenReply(reply, { ok: false, error: 'invalid_client' });
    if (body.grant_type === 'authorization_code') return tokenReply(reply, auth.exchangeCode(client, body.code, body.redirect_uri, body.code_verifier));
    if (body.grant_type === 'refresh_token') return tokenReply(reply, auth.refreshGrant(client, body.refresh_token));
    return tokenReply(reply, { ok: false, error: 'unsupported_grant_type' });
  });

  app.post('/connect/revocation', async (request, reply) => {
    ctx.stats.countCall('POST /connect/revocation');
    const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, string>;
    const client = clientFrom(request, auth, body);
    if (!client) return reply.code(400).send({ error: 'invalid_client' });
    auth.revoke(client, body.token);
    // RFC 7009 §2.2: 200 whether or not the token was known.
    return reply.code(200).send();
  });

  const bearer = (request: FastifyRequest) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(String(request.headers.authorization ?? ''))?.[1];
    if (ctx.faults.takeAuthExpiry('/connections', request.method)) auth.expireAllAccessTokens();
    return auth.checkAccess(token);
  };

  app.get('/connections', async (request, reply) => {
    ctx.stats.countCall('GET /connections');
    const access = bearer(request);
    if (!access) return sendApi(reply, unauthenticated());
    if ('expiredAt' in access) return sendApi(reply, tokenExpired(access.expiredAt));
    if (access.revoked) return reply.send([]);
    const filter = ((request.query ?? {}) as Record<string, string | undefined>).authEventId?.toLowerCase();
    const list = [...auth.connections.values()]
      .filter((c) => !filter || c.authEventId === filter)
      .map((c) => ({
        id: c.id,
        authEventId: c.authEventId,
        tenantId: c.tenantId,
        tenantType: c.tenantType,
        tenantName: c.tenantName,
        createdDateUtc: isoNoZone(c.createdDateUtc),
        updatedDateUtc: isoNoZone(c.updatedDateUtc),
      }));
    return reply.send(list);
  });

  app.delete('/connections/:id', async (request, reply) => {
    ctx.stats.countCall('DELETE /connections/:id');
    const access = bearer(request);
    if (!access) return sendApi(reply, unauthenticated());
    if ('expiredAt' in access) return sendApi(reply, tokenExpired(access.expiredAt));
    const id = String((request.params as { id?: string }).id ?? '').toLowerCase();
    if (access.revoked || !auth.connections.has(id)) return reply.code(404).send();
    auth.connections.delete(id);
    return reply.code(204).send();
  });
}
