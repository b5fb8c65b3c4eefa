import type { FastifyInstance, FastifyPluginAsync, preHandlerAsyncHookHandler } from 'fastify';
import type { ServerServices } from '../contract.ts';
import { refuseCrossSitePost } from '../dashboard/cross-site.ts';
import { readXeroWebhookKey } from '../../app/systems/xero-app.ts';
import { registerBillRoutes } from './bill-routes.ts';
import { defaultRequireUser } from './guard.ts';
import { connectionHealth } from './health.ts';
import { systemName } from '../dashboard/format.ts';
import { csrfField, esc, page } from './html.ts';
import { readXeroApp } from './xero-app.ts';
import { registerXeroRoutes } from './xero-routes.ts';

export { connectionHealth, healthOf, type ConnectionHealth } from './health.ts';

export interface ConnectPluginOptions {
  services: ServerServices;
  /** Guards the pages for people; default: the API token as a bearer, or a dashboard session (+ CSRF on forms). */
  requireUser?: preHandlerAsyncHookHandler;
}

/**
 * Pages to connect the accounts: GET /connect (overview and Xero app settings), the Xero OAuth
 * flow (/connect/xero, /oauth/xero/callback, /connect/xero/pick, /connect/xero/disconnect) and the
 * BILL credentials form (/connect/bill). Forms are url-encoded; the parser is scoped to this plugin.
 */
export const connectPlugin: FastifyPluginAsync<ConnectPluginOptions> = async (app: FastifyInstance, options) => {
  const { services } = options;
  const requireUser = options.requireUser ?? defaultRequireUser(services);
  // The same cross-site guard as the dashboard's forms, on every form here (the Xero app settings,
  // BILL credentials, the tenant pick and disconnect), whatever `requireUser` the app supplies.
  app.addHook('onRequest', refuseCrossSitePost);
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
  }

  app.get('/connect', { preHandler: requireUser }, async (request, reply) => {
    const csrf = request.connectCsrf ?? null;
    const xeroApp = await readXeroApp(services);
    const hasWebhookKey = (await readXeroWebhookKey(services)) !== null;
    const rows = (await connectionHealth(services.db))
      .map((h) => `<tr><td data-label="Id" class="id">${esc(h.id)}</td><td data-label="System">${esc(systemName(h.system))}</td><td data-label="Organisation">${esc(h.label ?? '')}</td><td data-label="Health">${esc(h.state)}${h.reason ? `: ${esc(h.reason)}` : ''}</td><td>${
        h.system === 'xero' && h.state !== 'needs_reconnect'
          ? `<form method="post" action="/connect/xero/disconnect">${csrfField(csrf)}<input type="hidden" name="connection" value="${esc(h.id)}"><button type="submit">Disconnect</button></form>`
          : ''
      }</td></tr>`)
      .join('');
    const body = `<h2>Connections</h2>
<div class="table-wrap"><table class="stack"><thead><tr><th scope="col">Id</th><th scope="col">System</th><th scope="col">Organisation</th><th scope="col">Health</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${rows || '<tr><td colspan="5">None yet.</td></tr>'}</tbody></table></div>
<p class="actions"><a class="button" href="/connect/xero">Connect Xero</a> <a class="button" href="/connect/bill">Connect BILL</a></p>
<h2>Xero app</h2>
<p>${xeroApp ? `Client id <code>${esc(xeroApp.clientId)}</code>${xeroApp.baseUrl ? ` at ${esc(xeroApp.baseUrl)}` : ''}.` : 'Not set yet.'} Webhook key: ${hasWebhookKey ? 'saved' : 'not set'}.
Redirect URI to register at Xero: <code>${esc(services.publicUrl)}/oauth/xero/callback</code>; webhook URL: <code>${esc(services.publicUrl)}/webhooks/xero</code>.</p>
<form method="post" action="/connect/xero/app">${csrfField(csrf)}
<label for="clientId">Client id</label><input type="text" id="clientId" name="clientId" value="${esc(xeroApp?.clientId ?? '')}" required>
<label for="clientSecret">Client secret (kept if left empty)</label><input type="password" id="clientSecret" name="clientSecret">
<label for="baseUrl">Base URL (empty for Xero production)</label><input type="url" id="baseUrl" name="baseUrl" value="${esc(xeroApp?.baseUrl ?? '')}">
<label for="webhookKey">Webhook key (kept if left empty)</label><input type="password" id="webhookKey" name="webhookKey">
<button type="submit">Save</button></form>`;
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page('Connect', body, { csrf }));
  });

  registerXeroRoutes(app, services, requireUser);
  registerBillRoutes(app, services, requireUser);
};
