import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerServices } from '../contract.ts';
import { serveAssets } from './assets.ts';
import { refuseCrossSitePost } from './cross-site.ts';
import { field, type Dashboard } from './context.ts';
import { href } from './html.ts';
import { registerAccounts } from './routes/accounts.ts';
import { registerActions } from './routes/actions.ts';
import { registerLogin } from './routes/login.ts';
import { registerMapping } from './routes/mapping.ts';
import { registerOverview } from './routes/overview.ts';
import { registerReconcile } from './routes/reconcile.ts';
import { registerRecord } from './routes/record.ts';
import { registerRecords } from './routes/records.ts';
import { readCookie, readSession, sameSecret, sessionCookie, type Session } from './session.ts';

export interface DashboardOptions {
  services: ServerServices;
}

/** Pages readable without a session. */
const isPublic = (relativePath: string): boolean => relativePath === '/login' || relativePath.startsWith('/assets/');

/**
 * The dashboard: server-rendered pages over the store, with a little progressive-enhancement JS.
 * Register it with or without a prefix; every link it draws is relative to that prefix. It is not
 * wrapped with fastify-plugin on purpose: its form parser and hooks stay inside its own scope.
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardOptions> = async (app, { services }) => {
  const base = app.prefix.replace(/\/$/, '');
  const sessions = new WeakMap<FastifyRequest, Session>();
  const relativeOf = (request: FastifyRequest): string => (request.url.split('?')[0] ?? '').slice(base.length) || '/';
  const secureCookies = services.publicUrl.startsWith('https:');

  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  }

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  // A cross-site POST carries a foreign Origin; refusing it is a second guard next to SameSite=Strict.
  app.addHook('onRequest', refuseCrossSitePost);

  app.addHook('onRequest', async (request, reply) => {
    const path = relativeOf(request);
    if (isPublic(path)) return;
    const session = await readSession(services.db, services.apiToken, readCookie(request.headers.cookie, sessionCookie));
    if (session) {
      sessions.set(request, session);
      return;
    }
    if (request.method === 'GET' && !path.endsWith('.json')) return reply.redirect(href(`${base}/login`, { next: request.url }), 303);
    return reply.code(401).type('application/json').send({ error: 'sign in to the dashboard first' });
  });

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || isPublic(relativeOf(request))) return;
    const session = sessions.get(request);
    const token = field(request.body, '_csrf');
    if (!session || !token || !sameSecret(token, session.csrf)) {
      return reply.code(403).type('text/plain').send('This form has expired. Go back, reload the page and try again.');
    }
  });

  const dashboard: Dashboard = {
    app,
    services,
    base,
    sessionOf: (request) => {
      const s = sessions.get(request);
      if (!s) throw new Error('dashboard route reached without a session');
      return s;
    },
    pageContext: (request, extra = {}) => ({ base, csrf: sessions.get(request)?.csrf ?? null, path: request.url.split('?')[0] ?? '/', ...extra }),
    send: (reply: FastifyReply, body: string, status = 200) => reply.code(status).type('text/html; charset=utf-8').send(body),
    redirect: (reply, path, query = {}) => reply.redirect(href(`${base}${path}`, query), 303),
  };

  serveAssets(dashboard);
  registerLogin(dashboard, { secureCookies });
  registerOverview(dashboard);
  registerRecords(dashboard);
  registerRecord(dashboard);
  registerAccounts(dashboard);
  registerMapping(dashboard);
  registerReconcile(dashboard);
  registerActions(dashboard);
};
