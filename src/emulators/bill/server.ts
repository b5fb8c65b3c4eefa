/**
 * The fastify app: JSON parsing that tolerates empty bodies (logout, archive and test calls often send
 * none), BILL's error array for malformed bodies, and 404 BDC_1121 "API not supported." for any
 * unknown or miscased path (A14.1; the router is case-sensitive and does not ignore trailing slashes).
 */
import type { FastifyInstance } from 'fastify';
import { createFastify, isControlPath, registerLostResponseHook } from '../kit/base.ts';
import { registerBillRoutes } from './bills.ts';
import { registerClassificationRoutes } from './classifications.ts';
import { registerControlRoutes } from './control.ts';
import { billCodes, billMessages } from './errors.ts';
import { registerLoginRoutes } from './login.ts';
import type { BillDeps } from './options.ts';
import { registerPaymentRoutes } from './payments.ts';
import { makeDueBills, registerRecurringBillRoutes } from './recurring.ts';
import { notSupported, sendErrors } from './pipeline.ts';
import { registerSubscriptionRoutes } from './subscriptions.ts';
import { registerVendorRoutes } from './vendors.ts';

export function buildBillApp(deps: BillDeps): FastifyInstance {
  const app = createFastify();
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      const err = new Error('The request body is not valid JSON.') as Error & { statusCode: number };
      err.statusCode = 400;
      done(err, undefined);
    }
  });
  registerLostResponseHook(app);
  // Recurring bills BILL would have made in the background by now are made before any request is served (recurring.ts).
  app.addHook('onRequest', async () => {
    for (const org of deps.state.orgs.values()) makeDueBills(deps, org);
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? 400 : 500;
    if (isControlPath(request.url)) return reply.code(status).send({ error: error.message });
    return sendErrors(deps, reply, status, [
      status === 400
        ? { code: billCodes.UNKNOWN, message: error.message, category: 'REQUEST' }
        : { code: billCodes.SYSTEM, message: billMessages.system, category: 'SERVER' },
    ]);
  });

  app.setNotFoundHandler((request, reply) => {
    if (isControlPath(request.url)) return reply.code(404).send({ error: `no control route ${request.method} ${request.url}` });
    return notSupported(deps, request, reply);
  });

  registerLoginRoutes(app, deps);
  registerVendorRoutes(app, deps);
  registerBillRoutes(app, deps);
  registerRecurringBillRoutes(app, deps);
  registerPaymentRoutes(app, deps);
  registerClassificationRoutes(app, deps);
  registerSubscriptionRoutes(app, deps);
  registerControlRoutes(app, deps);
  return app;
}
