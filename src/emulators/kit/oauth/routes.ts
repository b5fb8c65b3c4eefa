import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applyTransportFault, type EmulatorContext } from '../base.ts';
import type { OAuthAuthorizationServer, OAuthClient, TokenResult } from './authorization-server.ts';

/**
 * The HTTP side of an emulated OAuth 2.0 authorization server: the authorize page (the sandbox user
 * consents at once), the token endpoint (client authentication by HTTP Basic or form fields;
 * `authorization_code` with optional PKCE S256 and `refresh_token`) and revocation (RFC 7009).
 * Calls are counted; the token endpoint also takes injected faults, as a connector's refresh must
 * survive them. Paths, scopes, which redirect URIs are registered and what consent does are the
 * vendor's.
 */

export interface OAuthRoutesOptions {
  paths: { authorize: string; token: string; revocation: string };
  scopeAllowed(scope: string): boolean;
  /** Registered redirect URIs (default: any http://127.0.0.1 or http://localhost URL without a fragment). */
  redirectAllowed?(uri: string, client: OAuthClient): boolean;
  /** What consent also does (Xero: connects the tenants); may add query parameters to the redirect. */
  onConsent?(consent: { clientId: string; authorizationId: string; scope: string[] }): Record<string, string> | void;
  /** The HTML page for a bad client or redirect URI. */
  errorPage?(message: string): string;
}

const loopbackRedirect = (uri: string): boolean => {
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost') && !u.hash;
  } catch {
    return false;
  }
};

const plainErrorPage = (message: string): string => `<!doctype html><html><head><title>Error</title></head><body><h1>Error</h1><p>${message}</p></body></html>`;

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

const formBody = (request: FastifyRequest): Record<string, string> =>
  (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, string>;

/** Client authentication: HTTP Basic (RFC 6749 §2.3.1, form-encoded id and secret) or the body's client_id and client_secret. */
function clientFrom(request: FastifyRequest, server: OAuthAuthorizationServer, body: Record<string, string>): OAuthClient | null {
  const basic = /^Basic\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return null;
    return server.checkClient(decodeURIComponent(decoded.slice(0, i)), decodeURIComponent(decoded.slice(i + 1)));
  }
  return server.checkClient(body.client_id, body.client_secret);
}

function tokenReply(reply: FastifyReply, r: TokenResult): FastifyReply {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (r.ok) return reply.code(200).send(r.body);
  return reply.code(400).send(r.description ? { error: r.error, error_description: r.description } : { error: r.error });
}

export function registerOAuthRoutes(app: FastifyInstance, ctx: EmulatorContext, server: OAuthAuthorizationServer, options: OAuthRoutesOptions): void {
  const { paths } = options;
  // The token and revocation endpoints take form bodies (RFC 6749 §4.1.3, RFC 7009 §2.1).
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
  }
  const redirectAllowed = options.redirectAllowed ?? loopbackRedirect;
  const errorPage = (reply: FastifyReply, message: string) =>
    // Bad client or redirect URI: never redirect to an unverified URI (RFC 6749 §4.1.2.1); show a page.
    reply.code(400).type('text/html; charset=utf-8').send((options.errorPage ?? plainErrorPage)(message));

  app.get(paths.authorize, async (request, reply) => {
    ctx.stats.countCall(`GET ${paths.authorize}`);
    const q = (request.query ?? {}) as Record<string, string | undefined>;
    const client = server.client(q.client_id);
    if (!client) return errorPage(reply, 'Invalid client_id: this app is not registered.');
    const redirectUri = q.redirect_uri;
    if (!redirectUri || !redirectAllowed(redirectUri, client)) {
      return errorPage(reply, 'Invalid redirect_uri: it must be an http://127.0.0.1 or http://localhost URL registered for the app.');
    }
    const target = new URL(redirectUri);
    const back = (params: Record<string, string>) => {
      for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
      if (q.state !== undefined) target.searchParams.set('state', q.state);
      return reply.redirect(target.toString(), 302);
    };
    const fail = (error: string, description: string) => back({ error, error_description: description });
    if (q.response_type !== 'code') return fail('unsupported_response_type', 'response_type must be code');
    const scope = (q.scope ?? '').split(/[\s+]+/).filter(Boolean);
    if (scope.length === 0) return fail('invalid_scope', 'scope is required');
    const unknown = scope.filter((s) => !options.scopeAllowed(s));
    if (unknown.length) return fail('invalid_scope', `Invalid scope for client: ${unknown.join(' ')}`);
    const challenge = q.code_challenge;
    const method = q.code_challenge_method;
    if (challenge !== undefined || method !== undefined) {
      if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
      if (!challenge || !CHALLENGE.test(challenge)) return fail('invalid_request', 'code_challenge must be the base64url SHA-256 of the code_verifier');
    }
    const { code, authorizationId } = server.authorize({ clientId: client.clientId, redirectUri, scope, ...(challenge !== undefined ? { challenge } : {}) });
    const extra = options.onConsent?.({ clientId: client.clientId, authorizationId, scope }) ?? {};
    return back({ code, scope: scope.join(' '), ...extra });
  });

  app.post(paths.token, async (request, reply) => {
    ctx.stats.countCall(`POST ${paths.token}`);
    const fault = ctx.faults.decide(paths.token, 'POST');
    if (fault.kind === 'server_error' || fault.kind === 'unavailable') return reply.code(fault.kind === 'server_error' ? 500 : 503).send({ error: 'server_error' });
    if (fault.kind === 'rate_limited') return reply.code(429).header('retry-after', '1').send({ error: 'temporarily_unavailable' });
    if (await applyTransportFault(fault, request)) return reply.hijack();
    const body = formBody(request);
    const client = clientFrom(request, server, body);
    if (!client) return tokenReply(reply, { ok: false, error: 'invalid_client' });
    if (body.grant_type === 'authorization_code') return tokenReply(reply, server.exchangeCode(client, body.code, body.redirect_uri, body.code_verifier));
    if (body.grant_type === 'refresh_token') return tokenReply(reply, server.refreshGrant(client, body.refresh_token));
    return tokenReply(reply, { ok: false, error: 'unsupported_grant_type' });
  });

  app.post(paths.revocation, async (request, reply) => {
    ctx.stats.countCall(`POST ${paths.revocation}`);
    const body = formBody(request);
    const client = clientFrom(request, server, body);
    if (!client) return reply.code(400).send({ error: 'invalid_client' });
    server.revoke(client, body.token);
    // RFC 7009 §2.2: 200 whether or not the token was known.
    return reply.code(200).send();
  });
}
