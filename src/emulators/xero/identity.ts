import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../kit/base.ts';
import { oauthLogin, type OAuthTokens } from '../kit/oauth/login.ts';
import { registerOAuthRoutes } from '../kit/oauth/routes.ts';
import type { AuthStore } from './auth-store.ts';
import { isoNoZone } from './dates.ts';
import { tokenExpired, unauthenticated, type ApiResult } from './errors.ts';
import type { XeroState } from './state.ts';

/**
 * Xero Identity (A1; XI, XAF, XPK, XT): the authorize page (auto-consent for the sandbox user, who
 * connects every tenant), the token endpoint (HTTP Basic client auth; authorization_code with PKCE
 * S256, refresh_token with rotation) and revocation, served by the kit's OAuth routes with Xero's
 * paths, scopes and error page; and /connections, which is Xero's own. Any http://127.0.0.1 or
 * http://localhost redirect URI is registered for the sandbox app (the kit's default).
 */

const KNOWN_SCOPE =
  /^(openid|profile|email|offline_access|accounting\.[a-z]+(\.[a-z]+)*|payroll\.[a-z]+(\.read)?|files(\.read)?|assets(\.read)?|projects(\.read)?)$/;

/** Xero's page for a bad client or redirect URI. */
const errorPage = (message: string): string =>
  `<!doctype html><html><head><title>Error</title></head><body><h1>Sorry, something went wrong</h1><p>${message}</p></body></html>`;

function sendApi(reply: FastifyReply, r: ApiResult): FastifyReply {
  return reply.code(r.status).send(r.body);
}

export const IDENTITY_PATHS = { authorize: '/identity/connect/authorize', token: '/connect/token', revocation: '/connect/revocation' } as const;

export const DEFAULT_SCOPE = 'openid profile email offline_access accounting.transactions accounting.contacts accounting.settings';

export type SandboxTokens = OAuthTokens;

/** The sandbox app's authorize + token flow over HTTP, as a connector's own login sends it. */
export const sandboxLogin = (base: string, client: { clientId: string; clientSecret: string }, opts: { scope?: string; redirectUri?: string } = {}): Promise<SandboxTokens> =>
  oauthLogin({
    authorizeUrl: `${base}${IDENTITY_PATHS.authorize}`,
    tokenUrl: `${base}${IDENTITY_PATHS.token}`,
    client,
    scope: opts.scope ?? DEFAULT_SCOPE,
    ...(opts.redirectUri ? { redirectUri: opts.redirectUri } : {}),
  });

export function registerIdentityRoutes(app: FastifyInstance, ctx: EmulatorContext, auth: AuthStore, state: XeroState, base: () => string): void {
  app.get('/.well-known/openid-configuration', async () => ({
    issuer: base(),
    authorization_endpoint: `${base()}${IDENTITY_PATHS.authorize}`,
    token_endpoint: `${base()}${IDENTITY_PATHS.token}`,
    revocation_endpoint: `${base()}${IDENTITY_PATHS.revocation}`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  }));

  // The sandbox user connects every tenant at each consent (XAF).
  registerOAuthRoutes(app, ctx, auth.server, {
    paths: IDENTITY_PATHS,
    scopeAllowed: (scope) => KNOWN_SCOPE.test(scope),
    errorPage,
    onConsent: ({ authorizationId }) => auth.connect(authorizationId, state.list().map((t) => ({ tenantId: t.tenantId, tenantName: t.name }))),
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
