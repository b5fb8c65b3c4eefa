import type { FastifyInstance, FastifyReply, preHandlerAsyncHookHandler } from 'fastify';
import type { GrantedTenant, OAuthApp, OAuthCodeFlow, OAuthGrant } from '../../app/systems/connect-flow.ts';
import type { SystemEntry } from '../../app/systems/index.ts';
import { asConnectorError } from '../../core/errors.ts';
import { getConnection, listConnections, markNeedsReconnect, saveConnection } from '../../store/repos/connections.ts';
import { readCookie } from '../dashboard/session.ts';
import type { ServerServices } from '../contract.ts';
import { esc, page } from './html.ts';
import { advanceFlow, clearPending, flowCookie, flowCookieHeader, refusalText, savePending, startFlow } from './oauth-flows.ts';

const html = (reply: FastifyReply, status: number, title: string, body: string) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(title, body));
const field = (body: unknown, name: string): string | undefined => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
};

/**
 * One system's OAuth 2.0 authorization-code flow (RFC 6749 §4.1 with PKCE and state, RFC 7636) on
 * the connect pages: `POST /connect/<id>/app` (the app settings), `GET /connect/<id>` (to the
 * vendor's consent page), `GET /oauth/<id>/callback`, `POST /connect/<id>/pick` (the tenant, unless
 * the callback names it: `tenantInCallback`) and `POST /connect/<id>/disconnect` (revocation).
 * Everything but the callback and the pick needs a signed-in user; those two are guarded by the
 * single-use state bound to a cookie of this browser.
 * What differs per vendor (URLs, tenants a grant reaches, the saved connection) is the flow's.
 */
export function registerOAuthRoutes(app: FastifyInstance, services: ServerServices, requireUser: preHandlerAsyncHookHandler, entry: SystemEntry, flow: OAuthCodeFlow): void {
  const id = entry.id;
  const name = entry.spec.displayName;
  // Read per request: the public URL may be settled only once the server listens.
  const secure = (): boolean => services.publicUrl.startsWith('https:');
  const redirectUri = (): string => `${services.publicUrl.replace(/\/+$/, '')}/oauth/${id}/callback`;
  const noApp = (reply: FastifyReply, meanwhile = false) =>
    html(reply, 409, `Connect ${name}`, `<p class="error">${meanwhile ? `The ${esc(flow.settings.title)} settings were removed meanwhile.` : `Save the ${esc(flow.settings.title)} settings (client id) first.`}</p><p><a href="/connect">Back</a></p>`);

  /** Saves the granted tenant as a connection; a reconnection keeps the connection's id, so the links that use it work again at once. */
  const saveGranted = async (reply: FastifyReply, oauthApp: OAuthApp, grant: OAuthGrant, tenant: GrantedTenant) => {
    const existing = (await listConnections(services.db)).find((c) => c.system === id && c.tenant_id === tenant.id);
    const connection = flow.connection(oauthApp, grant, tenant, existing?.id ?? flow.defaultConnectionId(tenant));
    await saveConnection(services.db, services.box, { ...connection, system: id });
    services.log.info({ system: id, connection: connection.id, tenantId: tenant.id }, `${name} connected`);
    return reply
      .header('set-cookie', flowCookieHeader('', secure(), 0))
      .code(200).type('text/html; charset=utf-8')
      .send(page(`${name} connected`, `<p class="ok">Connected ${esc(tenant.name ?? tenant.id)} as connection <code>${esc(connection.id)}</code>.</p><p><a href="/connect">Back</a></p>`));
  };

  app.post(`/connect/${id}/app`, { preHandler: requireUser }, async (request, reply) => {
    const posted = Object.fromEntries(flow.settings.fields.map((f) => [f.key, field(request.body, f.key)]));
    try {
      await flow.settings.save(services, posted);
    } catch (e) {
      return html(reply, 400, flow.settings.title, `<p class="error">${esc(asConnectorError(e).message)}</p><p><a href="/connect">Back</a></p>`);
    }
    return html(reply, 200, `${flow.settings.title} saved`, '<p class="ok">Saved. Secrets are stored encrypted and not shown again.</p><p><a href="/connect">Back</a></p>');
  });

  app.get(`/connect/${id}`, { preHandler: requireUser }, async (_request, reply) => {
    const oauthApp = await flow.app(services);
    if (!oauthApp) return noApp(reply);
    const built = flow.authorize(oauthApp, redirectUri(), services.log);
    const started = await startFlow(services.db, services.box, { system: id, state: built.state, codeVerifier: built.codeVerifier, redirectUri: redirectUri() });
    return reply.header('set-cookie', flowCookieHeader(started.browserNonce, secure())).header('cache-control', 'no-store').redirect(built.url, 302);
  });

  app.get(`/oauth/${id}/callback`, async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const nonce = readCookie(request.headers.cookie, flowCookie);
    const started = await advanceFlow(services.db, services.box, { state: q.state, browserNonce: nonce, system: id, from: 'started', to: q.error ? 'failed' : 'exchanged' });
    if (!started.ok) {
      services.log.warn({ system: id, why: started.why }, 'OAuth callback refused');
      return html(reply, 400, `${name} connection refused`, `<p class="error">${esc(refusalText[started.why])}</p><p><a href="/connect">Back</a></p>`);
    }
    if (q.error) return html(reply, 400, `${name} connection refused`, `<p class="error">${esc(name)} answered: ${esc(q.error)}. Nothing was saved.</p><p><a href="/connect">Back</a></p>`);
    const oauthApp = await flow.app(services);
    if (!oauthApp) return noApp(reply, true);
    let grant: OAuthGrant;
    try {
      const tenantId = flow.tenantInCallback ? q[flow.tenantInCallback] : undefined;
      grant = await flow.exchange(oauthApp, { code: q.code ?? '', state: q.state!, redirectUri: started.redirectUri, codeVerifier: started.codeVerifier, tenantId }, services.log);
    } catch (e) {
      const err = asConnectorError(e);
      services.log.warn({ system: id, code: err.code, err: err.message }, 'OAuth code exchange failed');
      return html(reply, 400, `${name} connection failed`, `<p class="error">${esc(err.message)}</p><p><a href="/connect/${id}">Try again</a></p>`);
    }
    if (flow.tenantInCallback) {
      // The tenant was chosen on the vendor's consent page and came back with the code: nothing to
      // pick, so the flow ends here (a replayed callback or a pick finds it used).
      const tenant = grant.tenants[0];
      await advanceFlow(services.db, services.box, { state: q.state, browserNonce: nonce, system: id, from: 'exchanged', to: 'done' });
      if (!tenant) return html(reply, 400, `${name} connection refused`, `<p class="error">${esc(name)} named no ${esc(flow.tenantNoun)} in its answer. Start again.</p>`);
      return saveGranted(reply, oauthApp, grant, tenant);
    }
    await savePending(services.db, services.box, q.state!, JSON.stringify(grant));
    const options = grant.tenants
      .map((t, i) => `<label><input type="radio" name="tenantId" value="${esc(t.id)}"${i === 0 ? ' checked' : ''}> ${esc(t.name ?? t.id)}</label>`)
      .join('\n');
    return html(reply, 200, `Pick a ${name} ${flow.tenantNoun}`, grant.tenants.length === 0
      ? `<p class="error">${esc(name)} granted no ${esc(flow.tenantNoun)}. Start again and tick one on ${esc(name)}'s consent page.</p>`
      : `<form method="post" action="/connect/${id}/pick"><input type="hidden" name="state" value="${esc(q.state)}">
${options}<button type="submit">Connect this ${esc(flow.tenantNoun)}</button></form>`);
  });

  // Guarded like the callback: the single-use state bound to this browser's cookie is the proof
  // that a signed-in user started this flow here (the dashboard's Strict session cookie does not
  // come back on the vendor's cross-site redirect, so the page cannot carry its CSRF token).
  app.post(`/connect/${id}/pick`, async (request, reply) => {
    const state = field(request.body, 'state');
    const picked = await advanceFlow(services.db, services.box, { state, browserNonce: readCookie(request.headers.cookie, flowCookie), system: id, from: 'exchanged', to: 'done' });
    if (!picked.ok || !picked.pending) return html(reply, 400, `${name} connection refused`, `<p class="error">${esc(refusalText[picked.ok ? 'used' : picked.why])}</p>`);
    await clearPending(services.db, state!);
    const grant = JSON.parse(picked.pending) as OAuthGrant;
    const tenant = grant.tenants.find((t) => t.id === field(request.body, 'tenantId'));
    if (!tenant) return html(reply, 400, `${name} connection refused`, `<p class="error">That ${esc(flow.tenantNoun)} was not among those ${esc(name)} granted. Start again.</p>`);
    const oauthApp = await flow.app(services);
    if (!oauthApp) return noApp(reply, true);
    return saveGranted(reply, oauthApp, grant, tenant);
  });

  app.post(`/connect/${id}/disconnect`, { preHandler: requireUser }, async (request, reply) => {
    const connectionId = field(request.body, 'connection') ?? '';
    const row = await getConnection(services.db, connectionId);
    if (!row || row.system !== id) return html(reply, 404, `Disconnect ${name}`, `<p class="error">There is no ${esc(name)} connection '${esc(connectionId)}'.</p>`);
    try {
      await flow.revoke(services, row);
    } catch (e) {
      const err = asConnectorError(e);
      return html(reply, 502, `Disconnect ${name}`, `<p class="error">${esc(name)} did not confirm the revocation (${esc(err.code)}); the connection is unchanged. Try again.</p>`);
    }
    await markNeedsReconnect(services.db, connectionId, `disconnected by a user; connect ${name} again to resume`);
    return html(reply, 200, `${name} disconnected`, `<p class="ok">The token was revoked at ${esc(name)} and connection <code>${esc(connectionId)}</code> is paused until it is connected again.</p><p><a href="/connect">Back</a></p>`);
  });
}
