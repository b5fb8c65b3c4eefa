import { field, type Dashboard } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { createSession, deleteSession, readCookie, readSession, sameSecret, sessionCookie, sessionCookieHeader } from '../session.ts';

/** Failed sign-ins allowed per client address in a window before it must wait. */
const maxFailures = 10;
const windowMs = 10 * 60_000;

/**
 * Sign in with the API token once; the browser then holds only a session cookie. The token is
 * never echoed back, logged or placed in a URL (the form posts it in the body).
 */
export function registerLogin(d: Dashboard, options: { secureCookies: boolean }): void {
  const { app, services, base } = d;
  const failures = new Map<string, { count: number; since: number }>();
  const cookiePath = base || '/';

  /** Only paths inside the dashboard are followed after sign-in, never another site. */
  const safeNext = (next: string | undefined): string => (next && next.startsWith(`${base}/`) && !next.startsWith('//') && !next.includes('\\') ? next : `${base}/`);

  const loginPage = (next: string, error: string | null) => page(
    { base, csrf: null, path: `${base}/login` },
    'Sign in',
    html`<form method="post" action="${base}/login" class="card narrow">
      ${error ? html`<p class="notice notice-bad" role="alert" id="login-error">${error}</p>` : ''}
      <input type="hidden" name="next" value="${next}">
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus
        ${error ? html`aria-invalid="true" aria-describedby="login-error"` : ''}>
      <p class="hint">The value of ML_CONNECTOR_API_TOKEN on the server. It is asked for once; this browser then keeps a session for 12 hours.</p>
      <button type="submit" class="primary">Sign in</button>
    </form>`,
  );

  app.get('/login', async (request, reply) => {
    const next = safeNext(field(request.query, 'next'));
    // Already signed in (a bookmark, the back button): go on instead of asking again.
    if (await readSession(services.db, services.apiToken, readCookie(request.headers.cookie, sessionCookie))) return reply.redirect(next, 303);
    return d.send(reply, loginPage(next, null));
  });

  app.post('/login', async (request, reply) => {
    const client = request.ip;
    const now = Date.now();
    const seen = failures.get(client);
    if (seen && now - seen.since < windowMs && seen.count >= maxFailures) {
      return d.send(reply, loginPage(`${base}/`, 'Too many wrong tokens from this address. Wait ten minutes and try again.'), 429);
    }
    const token = field(request.body, 'token') ?? '';
    const next = safeNext(field(request.body, 'next'));
    if (!token || !sameSecret(token, services.apiToken)) {
      if (failures.size > 10_000) failures.clear(); // bounded memory under a spray of addresses
      const fresh = !seen || now - seen.since >= windowMs;
      failures.set(client, { count: fresh ? 1 : seen.count + 1, since: fresh ? now : seen.since });
      services.log.warn({ ip: client }, 'dashboard sign-in refused');
      return d.send(reply, loginPage(next, 'That token is not right. Check ML_CONNECTOR_API_TOKEN and try again.'), 401);
    }
    failures.delete(client);
    const { id } = await createSession(services.db, services.apiToken);
    reply.header('set-cookie', sessionCookieHeader(id, { path: cookiePath, secure: options.secureCookies }));
    return reply.redirect(next, 303);
  });

  app.post('/logout', async (request, reply) => {
    await deleteSession(services.db, readCookie(request.headers.cookie, sessionCookie));
    reply.header('set-cookie', sessionCookieHeader('', { path: cookiePath, secure: options.secureCookies, maxAgeSeconds: 0 }));
    return reply.redirect(`${base}/login`, 303);
  });
}
