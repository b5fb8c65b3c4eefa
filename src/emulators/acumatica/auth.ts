/**
 * Sign-in. Cookie login `POST /entity/auth/login` with `{name, password, tenant | company, branch}`
 * answers 204 and sets the session cookies; `POST /entity/auth/logout` answers 204 and frees the
 * session (it bypasses the request queue) [AIR:IntegrationDev_RESTExample_Basic_Login.md]
 * [AIR:IntegrationDev_RESTExample_Basic_Logout.md] [APM]. A login past the licence's API-user cap is
 * refused with "API Login Limit"; sessions not signed out keep counting until they idle out
 * [AIR:IS__con_License_Restrictions_API_Users.md]. OAuth 2.0 at `/identity/connect/token`: the
 * resource-owner password grant (client id `<GUID>@<Tenant>`), the code grant and rotating refresh
 * tokens, 3600 s access tokens [AIR:OAuthOIDC_ResourceOwner_AccessToken.md].
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { registerOAuthRoutes } from '../kit/oauth/routes.ts';
import { httpError, messages } from './errors.ts';
import type { AcumaticaDeps } from './options.ts';
import { cookie, cookies, loginLimit, serve, sessionCookie, type Reply } from './pipeline.ts';
import type { SessionData } from './state.ts';

export const oauthPaths = { authorize: '/identity/connect/authorize', token: '/identity/connect/token', revocation: '/identity/connect/revocation' };
const scopes = new Set(['api', 'offline_access', 'api:concurrent_access', 'openid', 'profile', 'email']);

/** Who signs in: a user of the named tenant with the right password, on one of its branches (or its first). */
function signIn(deps: AcumaticaDeps, name: unknown, password: unknown, tenantName: unknown, branch: unknown): SessionData | null {
  const tenant = typeof tenantName === 'string' && tenantName !== '' ? deps.state.tenant(tenantName) : deps.state.tenants.size === 1 ? [...deps.state.tenants.values()][0] : undefined;
  const user = tenant?.users.find((u) => u.name.toLowerCase() === String(name ?? '').toLowerCase() && u.password === password);
  if (!tenant || !user) return null;
  const chosen = typeof branch === 'string' && branch !== '' ? tenant.branches.find((b) => b.id.toLowerCase() === branch.toLowerCase()) : tenant.branches[0];
  if (!chosen) return null;
  return { tenant: tenant.name, user: user.name, branch: chosen.id };
}

function login(deps: AcumaticaDeps, request: FastifyRequest): Reply {
  const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
  const data = signIn(deps, body.name, body.password, body.tenant ?? body.company, body.branch);
  if (!data) return { status: 500, body: httpError(500, messages.badLogin) };
  const opened = deps.state.sessions.open(data);
  if (!opened.ok) return loginLimit(deps);
  const id = opened.session.id;
  // Cookie names as ASP.NET forms authentication and Acumatica use them ([3P]; unverified).
  return { status: 204, cookies: [cookie(sessionCookie, id), cookie('ASP.NET_SessionId', id.slice(0, 24).toLowerCase()), cookie('CompanyID', data.tenant), cookie('UserBranch', data.branch)] };
}

export function registerAuthRoutes(app: FastifyInstance, deps: AcumaticaDeps): void {
  app.post('/entity/auth/login', async (request, reply) => {
    deps.ctx.stats.countCall('POST /entity/auth/login');
    return serve(deps, request, reply, () => null, () => login(deps, request));
  });

  app.post('/entity/auth/logout', async (request, reply) => {
    deps.ctx.stats.countCall('POST /entity/auth/logout');
    const session = deps.state.sessions.find(cookies(request)[sessionCookie]);
    if (session) deps.state.sessions.end(session);
    reply.header('set-cookie', `${sessionCookie}=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly`);
    return reply.code(204).send();
  });

  // The password grant is Acumatica's; the kit's routes serve the code and refresh grants.
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || request.url.split('?')[0] !== oauthPaths.token) return;
    const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, string>;
    if (body.grant_type !== 'password') return;
    deps.ctx.stats.countCall(`POST ${oauthPaths.token}`);
    const client = deps.state.oauth.checkClient(body.client_id, body.client_secret);
    reply.header('cache-control', 'no-store');
    if (!client) return reply.code(400).send({ error: 'invalid_client' });
    const tenantName = client.clientId.split('@')[1];
    const data = signIn(deps, body.username, body.password, tenantName, undefined);
    if (!data) return reply.code(400).send({ error: 'invalid_grant', error_description: 'invalid_username_or_password' });
    const scope = String(body.scope ?? 'api').split(/\s+/).filter(Boolean);
    if (scope.some((s) => !scopes.has(s))) return reply.code(400).send({ error: 'invalid_scope' });
    const redirectUri = 'urn:acumatica:password-grant';
    const { code, authorizationId } = deps.state.oauth.authorize({ clientId: client.clientId, redirectUri, scope });
    deps.state.oauthUsers.set(authorizationId, data);
    const result = deps.state.oauth.exchangeCode(client, code, redirectUri, undefined);
    if (!result.ok) return reply.code(400).send({ error: result.error });
    if (!scope.includes('offline_access')) delete result.body.refresh_token;
    return reply.code(200).send(result.body);
  });

  registerOAuthRoutes(app, deps.ctx, deps.state.oauth, {
    paths: oauthPaths,
    scopeAllowed: (s) => scopes.has(s),
    onConsent: ({ clientId, authorizationId }) => {
      // The sandbox user consents on the instance's sign-in page (its first user, first branch).
      const tenant = deps.state.tenant(clientId.split('@')[1]);
      const user = tenant?.users[0];
      if (tenant && user) deps.state.oauthUsers.set(authorizationId, { tenant: tenant.name, user: user.name, branch: tenant.branches[0]?.id ?? '' });
    },
  });
}
