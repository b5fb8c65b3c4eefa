import type { FastifyInstance, FastifyReply, preHandlerAsyncHookHandler } from 'fastify';
import { asConnectorError } from '../../core/errors.ts';
import { readCookie } from '../dashboard/session.ts';
import { XeroOAuth, type XeroCredentials } from '../../systems/xero/auth.ts';
import type { XeroConnection } from '../../systems/xero/schema.ts';
import { getConnection, listConnections, markNeedsReconnect, readSecret, saveConnection } from '../../store/repos/connections.ts';
import type { ServerServices } from '../contract.ts';
import { saveXeroWebhookKey } from '../../app/systems/xero-app.ts';
import { esc, page } from './html.ts';
import { advanceFlow, clearPending, flowCookie, flowCookieHeader, refusalText, savePending, startFlow } from './oauth-flows.ts';
import { readXeroApp, saveXeroApp, urlsOf } from './xero-app.ts';

interface Pending {
  credentials: XeroCredentials;
  tenants: XeroConnection[];
}

const html = (reply: FastifyReply, status: number, title: string, body: string) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(title, body));
const field = (body: unknown, name: string): string | undefined => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
};

/**
 * Xero: the app settings, the authorization-code flow with PKCE and state
 * (https://developer.xero.com/documentation/oauth2/pkce-flow), the tenant picker and disconnect
 * (token revocation). Everything but the callback needs a signed-in user; the callback is reached
 * by the browser's redirect from Xero and is guarded by the single-use state bound to a cookie.
 */
export function registerXeroRoutes(app: FastifyInstance, services: ServerServices, requireUser: preHandlerAsyncHookHandler): void {
  // Read per request: the public URL may be settled only once the server listens.
  const secure = (): boolean => services.publicUrl.startsWith('https:');
  const redirectUri = (): string => `${services.publicUrl.replace(/\/+$/, '')}/oauth/xero/callback`;

  app.post('/connect/xero/app', { preHandler: requireUser }, async (request, reply) => {
    try {
      // An empty secret field keeps the saved secret: the page never shows it, so it cannot be resent.
      const previous = await readXeroApp(services);
      await saveXeroApp(services, {
        clientId: field(request.body, 'clientId'),
        clientSecret: field(request.body, 'clientSecret') || previous?.clientSecret,
        baseUrl: field(request.body, 'baseUrl') || undefined,
      });
      const webhookKey = field(request.body, 'webhookKey');
      if (webhookKey) await saveXeroWebhookKey(services, webhookKey);
    } catch (e) {
      return html(reply, 400, 'Xero app', `<p class="error">${esc(asConnectorError(e).message)}</p><p><a href="/connect">Back</a></p>`);
    }
    return html(reply, 200, 'Xero app saved', `<p class="ok">Saved. Secrets are stored encrypted and not shown again.</p><p><a href="/connect">Back</a></p>`);
  });

  app.get('/connect/xero', { preHandler: requireUser }, async (_request, reply) => {
    const settings = await readXeroApp(services);
    if (!settings) return html(reply, 409, 'Connect Xero', '<p class="error">Save the Xero app settings (client id) first.</p><p><a href="/connect">Back</a></p>');
    const oauth = new XeroOAuth({ clientId: settings.clientId, clientSecret: settings.clientSecret, urls: urlsOf(settings), logger: services.log });
    const built = oauth.buildAuthorizeUrl({ redirectUri: redirectUri() });
    const flow = await startFlow(services.db, services.box, { system: 'xero', state: built.state, codeVerifier: built.codeVerifier, redirectUri: redirectUri() });
    return reply.header('set-cookie', flowCookieHeader(flow.browserNonce, secure())).header('cache-control', 'no-store').redirect(built.url, 302);
  });

  app.get('/oauth/xero/callback', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const nonce = readCookie(request.headers.cookie, flowCookie);
    const flow = await advanceFlow(services.db, services.box, { state: q.state, browserNonce: nonce, system: 'xero', from: 'started', to: q.error ? 'failed' : 'exchanged' });
    if (!flow.ok) {
      services.log.warn({ system: 'xero', why: flow.why }, 'OAuth callback refused');
      return html(reply, 400, 'Xero connection refused', `<p class="error">${esc(refusalText[flow.why])}</p><p><a href="/connect">Back</a></p>`);
    }
    if (q.error) return html(reply, 400, 'Xero connection refused', `<p class="error">Xero answered: ${esc(q.error)}. Nothing was saved.</p><p><a href="/connect">Back</a></p>`);
    const settings = await readXeroApp(services);
    if (!settings) return html(reply, 409, 'Connect Xero', '<p class="error">The Xero app settings were removed meanwhile.</p>');
    const oauth = new XeroOAuth({ clientId: settings.clientId, clientSecret: settings.clientSecret, urls: urlsOf(settings), logger: services.log });
    let pending: Pending;
    try {
      const credentials = await oauth.exchangeCode({ code: q.code ?? '', state: q.state, expectedState: q.state!, redirectUri: flow.redirectUri, codeVerifier: flow.codeVerifier });
      pending = { credentials, tenants: await oauth.listConnections(credentials.accessToken) };
    } catch (e) {
      const err = asConnectorError(e);
      services.log.warn({ system: 'xero', code: err.code, err: err.message }, 'OAuth code exchange failed');
      return html(reply, 400, 'Xero connection failed', `<p class="error">${esc(err.message)}</p><p><a href="/connect/xero">Try again</a></p>`);
    }
    await savePending(services.db, services.box, q.state!, JSON.stringify(pending));
    const options = pending.tenants
      .map((t, i) => `<label><input type="radio" name="tenantId" value="${esc(t.tenantId)}"${i === 0 ? ' checked' : ''}> ${esc(t.tenantName ?? t.tenantId)}</label>`)
      .join('\n');
    return html(reply, 200, 'Pick a Xero organisation', pending.tenants.length === 0
      ? '<p class="error">Xero granted no organisation. Start again and tick one on Xero\'s consent page.</p>'
      : `<form method="post" action="/connect/xero/pick"><input type="hidden" name="state" value="${esc(q.state)}">
${options}<button type="submit">Connect this organisation</button></form>`);
  });

  // Guarded like the callback: the single-use state bound to this browser's cookie is the proof
  // that a signed-in user started this flow here (the dashboard's Strict session cookie does not
  // come back on Xero's cross-site redirect, so the page cannot carry its CSRF token).
  app.post('/connect/xero/pick', async (request, reply) => {
    const state = field(request.body, 'state');
    const flow = await advanceFlow(services.db, services.box, { state, browserNonce: readCookie(request.headers.cookie, flowCookie), system: 'xero', from: 'exchanged', to: 'done' });
    if (!flow.ok || !flow.pending) return html(reply, 400, 'Xero connection refused', `<p class="error">${esc(refusalText[flow.ok ? 'used' : flow.why])}</p>`);
    await clearPending(services.db, state!);
    const pending = JSON.parse(flow.pending) as Pending;
    const tenant = pending.tenants.find((t) => t.tenantId === field(request.body, 'tenantId'));
    if (!tenant) return html(reply, 400, 'Xero connection refused', '<p class="error">That organisation was not among those Xero granted. Start again.</p>');
    const settings = await readXeroApp(services);
    if (!settings) return html(reply, 409, 'Connect Xero', '<p class="error">The Xero app settings were removed meanwhile.</p>');
    // A reconnection keeps the connection's id, so the links that use it work again at once.
    const existing = (await listConnections(services.db)).find((c) => c.system === 'xero' && c.tenant_id === tenant.tenantId);
    const id = existing?.id ?? `xero-${tenant.tenantId.slice(0, 8)}`;
    await saveConnection(services.db, services.box, {
      id, system: 'xero', label: tenant.tenantName ?? tenant.tenantId, tenantId: tenant.tenantId,
      config: { clientId: settings.clientId, urls: urlsOf(settings), ...(tenant.tenantName ? { tenantName: tenant.tenantName } : {}) },
      secret: { ...pending.credentials, ...(settings.clientSecret ? { clientSecret: settings.clientSecret } : {}) },
      tokenExpiresAt: new Date(pending.credentials.expiresAt),
    });
    services.log.info({ system: 'xero', connection: id, tenantId: tenant.tenantId }, 'Xero connected');
    return reply
      .header('set-cookie', flowCookieHeader('', secure(), 0))
      .code(200).type('text/html; charset=utf-8')
      .send(page('Xero connected', `<p class="ok">Connected ${esc(tenant.tenantName ?? tenant.tenantId)} as connection <code>${esc(id)}</code>.</p><p><a href="/connect">Back</a></p>`));
  });

  app.post('/connect/xero/disconnect', { preHandler: requireUser }, async (request, reply) => {
    const id = field(request.body, 'connection') ?? '';
    const row = await getConnection(services.db, id);
    if (!row || row.system !== 'xero') return html(reply, 404, 'Disconnect Xero', `<p class="error">There is no Xero connection '${esc(id)}'.</p>`);
    const config = row.config as { clientId: string; urls: ReturnType<typeof urlsOf> };
    const secret = await readSecret<XeroCredentials & { clientSecret?: string }>(services.db, services.box, id);
    try {
      // Revoking the refresh token removes the grant and every tenant it reached (reference A1).
      await new XeroOAuth({ clientId: config.clientId, clientSecret: secret.clientSecret, urls: config.urls, logger: services.log }).revoke(secret.refreshToken);
    } catch (e) {
      const err = asConnectorError(e);
      return html(reply, 502, 'Disconnect Xero', `<p class="error">Xero did not confirm the revocation (${esc(err.code)}); the connection is unchanged. Try again.</p>`);
    }
    await markNeedsReconnect(services.db, id, 'disconnected by a user; connect Xero again to resume');
    return html(reply, 200, 'Xero disconnected', `<p class="ok">The token was revoked at Xero and connection <code>${esc(id)}</code> is paused until it is connected again.</p><p><a href="/connect">Back</a></p>`);
  });
}
