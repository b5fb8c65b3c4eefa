/**
 * The fastify app: JSON (and form) bodies, Acumatica's HttpError for malformed bodies and unknown
 * paths, and the routes. Paths are matched case-insensitively, as IIS does.
 */
import type { FastifyInstance } from 'fastify';
import { createFastify, isControlPath, registerLostResponseHook } from '../kit/base.ts';
import { registerEntityRoutes } from './api.ts';
import { registerAuthRoutes } from './auth.ts';
import { registerControlRoutes } from './control.ts';
import { httpError, noResource } from './errors.ts';
import type { AcumaticaDeps } from './options.ts';

export function buildAcumaticaApp(deps: AcumaticaDeps, baseUrl: () => string): FastifyInstance {
  const app = createFastify({ routerOptions: { caseSensitive: false, ignoreTrailingSlash: true } });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'text/json'], { parseAs: 'string' }, (_request, body, done) => {
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
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? 400 : 500;
    if (isControlPath(request.url)) return reply.code(status).send({ error: error.message });
    return reply.code(status).send(httpError(status, error.message));
  });
  app.setNotFoundHandler((request, reply) => {
    if (isControlPath(request.url)) return reply.code(404).send({ error: `no control route ${request.method} ${request.url}` });
    return reply.code(404).send(noResource(request.url));
  });
  registerAuthRoutes(app, deps);
  registerEntityRoutes(app, deps, baseUrl);
  registerControlRoutes(app, deps, baseUrl);
  return app;
}
