import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { bearerMatches } from '../auth-token.ts';
import type { ServerServices } from '../contract.ts';
import { readCookie, readSession, sameSecret, sessionCookie } from '../dashboard/session.ts';
import { esc, page } from './html.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The CSRF token forms on connect pages must echo (null for bearer-token callers). */
    connectCsrf?: string | null;
  }
}

/**
 * Who may use the connect pages, unless the app supplies its own `requireUser`: a caller with the
 * API token (Authorization: Bearer), or a signed-in dashboard session. A form POSTed by a session
 * must carry the session's CSRF token in `_csrf`; bearer calls need none, since a browser never adds
 * that header on its own.
 */
export function defaultRequireUser(services: Pick<ServerServices, 'db' | 'apiToken'>): preHandlerAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (bearerMatches(request.headers.authorization, services.apiToken)) {
      request.connectCsrf = null;
      return;
    }
    const session = await readSession(services.db, services.apiToken, readCookie(request.headers.cookie, sessionCookie));
    if (!session) {
      // A person's browser (a page, no token) goes to the dashboard's sign-in and comes back here.
      if (request.method === 'GET' && !request.headers.authorization) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
      return reply.code(401).type('text/html; charset=utf-8').send(page('Sign in first', '<p class="error">These pages need the dashboard sign-in (or the API token).</p><p><a href="/">Go to the dashboard</a></p>'));
    }
    request.connectCsrf = session.csrf;
    if (request.method === 'POST') {
      const given = (request.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof given !== 'string' || !sameSecret(given, session.csrf)) {
        return reply.code(403).type('text/html; charset=utf-8').send(page('Form expired', `<p class="error">${esc('The form is out of date: open the page again and resend it.')}</p>`));
      }
    }
  };
}
