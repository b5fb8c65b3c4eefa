import type { FastifyPluginAsync } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { bearerMatches } from '../auth-token.ts';
import { actionRoutes } from './actions.ts';
import type { ApiContext } from './context.ts';
import { apiErrorHandler } from './errors.ts';
import { linkRoutes } from './links.ts';
import { mappingRoutes } from './mapping.ts';
import { recordRoutes } from './records.ts';
import { runRoutes } from './runs.ts';

export type { ApiContext } from './context.ts';

/**
 * The REST API, mounted under /api. Every route, the OpenAPI document included, needs
 * `Authorization: Bearer <API token>`; a missing or wrong token answers 401 before any handler
 * runs. Requests are validated and responses serialised with the zod schemas in schemas.ts.
 */
export const apiPlugin: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { apiToken, log } = ctx.services;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(apiErrorHandler(log));
  app.addHook('onRequest', async (request, reply) => {
    if (bearerMatches(request.headers.authorization, apiToken)) return;
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="ml-connector"')
      .send({ error: { code: 'unauthorized', message: 'this route needs the header Authorization: Bearer <API token>' } });
  });
  app.setNotFoundHandler(async (request, reply) => reply.code(404).send({ error: { code: 'not_found', message: `no API route ${request.method} ${request.url.split('?')[0]}` } }));

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(linkRoutes, { ctx });
  await app.register(mappingRoutes, { ctx });
  await app.register(runRoutes, { ctx });
  await app.register(recordRoutes, { ctx });
  await app.register(actionRoutes, { ctx });
};
