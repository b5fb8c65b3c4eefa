import type { FastifyInstance } from 'fastify';
import { SCOPES, apiRoute, type ApiDeps } from './api.ts';
import { ok } from './errors.ts';
import { envelope, renderOrganisation } from './json.ts';

/** GET /Organisation (XS `Organisations`): the tenant's organisation, base currency USD. */
export function registerOrganisationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  apiRoute(app, deps, 'GET', '/Organisation', SCOPES.settingsRead, (req) => ok(envelope('Organisations', [renderOrganisation(req.tenant)], req.now)));
}
