import type { FastifyInstance, FastifyPluginAsync, preHandlerAsyncHookHandler } from 'fastify';
import { registeredEntries, type SystemEntry } from '../../app/systems/index.ts';
import type { OAuthCodeFlow } from '../../app/systems/connect-flow.ts';
import type { ServerServices } from '../contract.ts';
import { refuseCrossSitePost } from '../dashboard/cross-site.ts';
import { systemName } from '../dashboard/format.ts';
import { registerCredentialsRoutes } from './credentials-routes.ts';
import { defaultRequireUser } from './guard.ts';
import { connectionHealth } from './health.ts';
import { csrfField, esc, formField, page } from './html.ts';
import { registerOAuthRoutes } from './oauth-routes.ts';

export { connectionHealth, healthOf, type ConnectionHealth } from './health.ts';

export interface ConnectPluginOptions {
  services: ServerServices;
  /** Guards the pages for people; default: the API token as a bearer, or a dashboard session (+ CSRF on forms). */
  requireUser?: preHandlerAsyncHookHandler;
}

const oauthFlowOf = (entry: SystemEntry): OAuthCodeFlow | null => (entry.connect.kind === 'oauth2-code' ? entry.connect : null);

/** The app settings form of one OAuth system: the registered redirect and webhook URLs, and its fields (secrets never shown). */
async function appSettingsSection(services: ServerServices, entry: SystemEntry, flow: OAuthCodeFlow, csrf: string | null): Promise<string> {
  const saved = await flow.settings.read(services);
  const publicUrl = esc(services.publicUrl);
  const savedText = saved
    ? flow.settings.fields.map((f) => (f.secret ? `${esc(f.label)}: ${saved.saved[f.key] ? 'saved' : 'not set'}.` : saved.values[f.key] ? `${esc(f.label)} <code>${esc(saved.values[f.key])}</code>.` : '')).filter(Boolean).join(' ')
    : 'Not set yet.';
  const inputs = flow.settings.fields
    .map((f) => formField({ ...f, id: `${entry.id}-${f.key}`, name: f.key, label: `${f.label}${f.secret ? ' (kept if left empty)' : ''}` }, saved?.values[f.key]))
    .join('\n');
  return `<h2>${esc(flow.settings.title)}</h2>
<p>${savedText} Redirect URI to register at ${esc(entry.spec.displayName)}: <code>${publicUrl}/oauth/${esc(entry.id)}/callback</code>${entry.webhook ? `; webhook URL: <code>${publicUrl}/webhooks/${esc(entry.id)}</code>` : ''}.</p>
<form method="post" action="/connect/${esc(entry.id)}/app">${csrfField(csrf)}
${inputs}
<button type="submit">Save</button></form>`;
}

/**
 * Pages to connect the accounts, one set per registered system: GET /connect (the connections,
 * a button per system, each OAuth system's app settings), and per system either the OAuth 2.0
 * code flow (oauth-routes.ts) or the credentials form (credentials-routes.ts). Forms are
 * url-encoded; the parser is scoped to this plugin.
 */
export const connectPlugin: FastifyPluginAsync<ConnectPluginOptions> = async (app: FastifyInstance, options) => {
  const { services } = options;
  const requireUser = options.requireUser ?? defaultRequireUser(services);
  const entries = registeredEntries();
  // The same cross-site guard as the dashboard's forms, on every form here (app settings,
  // credentials, the tenant pick and disconnect), whatever `requireUser` the app supplies.
  app.addHook('onRequest', refuseCrossSitePost);
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
  }

  app.get('/connect', { preHandler: requireUser }, async (request, reply) => {
    const csrf = request.connectCsrf ?? null;
    const revocable = new Set(entries.filter((e) => oauthFlowOf(e)).map((e) => e.id as string));
    const rows = (await connectionHealth(services.db))
      .map((h) => `<tr><td data-label="Id" class="id">${esc(h.id)}</td><td data-label="System">${esc(systemName(h.system))}</td><td data-label="Organisation">${esc(h.label ?? '')}</td><td data-label="Health">${esc(h.state)}${h.reason ? `: ${esc(h.reason)}` : ''}</td><td>${
        revocable.has(h.system) && h.state !== 'needs_reconnect'
          ? `<form method="post" action="/connect/${esc(h.system)}/disconnect">${csrfField(csrf)}<input type="hidden" name="connection" value="${esc(h.id)}"><button type="submit">Disconnect</button></form>`
          : ''
      }</td></tr>`)
      .join('');
    const settings: string[] = [];
    for (const entry of entries) {
      const flow = oauthFlowOf(entry);
      if (flow) settings.push(await appSettingsSection(services, entry, flow, csrf));
    }
    const buttons = entries.map((e) => `<a class="button" href="/connect/${esc(e.id)}">Connect ${esc(e.spec.displayName)}</a>`).join(' ');
    const body = `<h2>Connections</h2>
<div class="table-wrap"><table class="stack"><thead><tr><th scope="col">Id</th><th scope="col">System</th><th scope="col">Organisation</th><th scope="col">Health</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${rows || '<tr><td colspan="5">None yet.</td></tr>'}</tbody></table></div>
<p class="actions">${buttons}</p>
${settings.join('\n')}`;
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page('Connect', body, { csrf }));
  });

  for (const entry of entries) {
    if (entry.connect.kind === 'oauth2-code') registerOAuthRoutes(app, services, requireUser, entry, entry.connect);
    else registerCredentialsRoutes(app, services, requireUser, entry, entry.connect);
  }
};
