/**
 * Sign-in (reference A2, A14.2): `POST /v3/login` with `{username, password, organizationId, devKey}`
 * in the body; later calls send `devKey` and `sessionId` headers. Logins are limited to 200 per devKey
 * per rolling hour (BDC_1144) and also count toward the hourly request allowance. Login is not held
 * by the concurrency gate: there is no session yet (the emulator's choice; BILL does not say).
 */
import type { FastifyInstance } from 'fastify';
import { BillApiError, billCodes, billMessages } from './errors.ts';
import type { BillDeps } from './options.ts';
import { apiRoute, publicRoute } from './pipeline.ts';
import { sandboxUser } from './state.ts';
import { isObject } from './validate.ts';

function loginError(status: number, code: string, message: string, category: 'REQUEST' | 'DOWNSTREAM' = 'REQUEST'): BillApiError {
  return new BillApiError(status, [{ code, message, category }]);
}

export function registerLoginRoutes(app: FastifyInstance, deps: BillDeps): void {
  const { state, limits, options, ctx } = deps;

  publicRoute(app, deps, 'POST', 'connect', '/login', ({ body }) => {
    const b = isObject(body) ? body : {};
    const devKey = typeof b.devKey === 'string' ? b.devKey : '';
    // An unknown key (or a sandbox key used elsewhere) is BDC_1102 ([BD:faq]).
    if (!options.devKeys.has(devKey)) throw loginError(401, billCodes.BAD_DEV_KEY, billMessages.badDevKey);
    if (!limits.login.tryTake(devKey)) {
      ctx.stats.reject('bill.login');
      throw loginError(options.rateLimitStatus, billCodes.HOURLY_LIMIT, billMessages.loginHourly(options.loginLimit), 'DOWNSTREAM');
    }
    if (!limits.hourly.tryTake(devKey)) {
      ctx.stats.reject('bill.hourly');
      throw loginError(options.rateLimitStatus, billCodes.HOURLY_LIMIT, billMessages.hourly(options.hourlyLimit), 'DOWNSTREAM');
    }
    const username = typeof b.username === 'string' ? b.username.trim().toLowerCase() : '';
    const organizationId = typeof b.organizationId === 'string' ? b.organizationId : '';
    // Wrong user, password or organisation are one answer: BILL does not tell which (BDC_1101).
    if (username !== sandboxUser.username || b.password !== sandboxUser.password || !state.org(organizationId)) {
      throw loginError(401, billCodes.BAD_CREDENTIALS, billMessages.badCredentials);
    }
    const opened = state.sessions.open({ devKey, organizationId, userId: state.userId });
    // BILL's store has no cap, so it never refuses; were it to, the answer is BILL's 500.
    if (!opened.ok) throw new Error('session cap reached');
    return { status: 200, body: { organizationId, sessionId: opened.session.id, trusted: false, userId: state.userId } };
  });

  apiRoute(app, deps, 'POST', 'connect', '/logout', ({ session }) => {
    state.sessions.end(session);
    return { status: 200 };
  });

  apiRoute(app, deps, 'GET', 'connect', '/login/session', ({ session }) => ({
    status: 200,
    body: { organizationId: session.data.organizationId, userId: session.data.userId, mfaStatus: 'DISABLED', mfaBypass: false },
  }));
}
