/**
 * The contract-based REST routes [AIR:IS__con_CB_Endpoints_and_Contracts.md]: `GET /entity` lists
 * the endpoints and versions (unauthenticated) [AIR:IntegrationDev_RESTExample_Basic_Get_List_of_Endpoints.md];
 * `/entity/Default/<version>/<Entity>[/<keys or id>]` answers only for a configured version and a
 * known entity (else 404); lists come wrapped in a JSON array, a record by keys or id as one object;
 * branches come from the CompaniesStructure inquiry (`PUT CompaniesStructure?$expand=Results`, the
 * official example) — Default/24.200.001 has no Branch entity [AOAS].
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { shapes } from './fields.ts';
import { httpError, messages, noResource } from './errors.ts';
import { busySession, hasAction, invokeAction, pollAction } from './actions.ts';
import type { EntityRecord, Tenant } from './model.ts';
import type { AcumaticaDeps } from './options.ts';
import { apiRoute, type Auth, type Reply } from './pipeline.ts';
import { findByPath, list, render, type Retrieval } from './records.ts';
import { entityRules } from './entity-rules.ts';
import { saveCallOf, saveEntity } from './writes.ts';
import { table } from './model.ts';
import { pushRow } from './push.ts';

export const acumaticaBuild = { acumaticaBuildVersion: '24.207.0015', databaseVersion: '24.207.0015' };

/** The released Default endpoint versions an instance of this build could offer. */
export function discovery(deps: AcumaticaDeps, base: string): Record<string, unknown> {
  return {
    version: acumaticaBuild,
    endpoints: deps.options.versions.map((v) => ({ name: 'Default', version: v, href: `${base}/entity/Default/${v}/` })),
  };
}

/** Entity names match whatever their case, as IIS paths do. */
const entityNames = new Map(Object.keys(shapes).map((name) => [name.toLowerCase(), name]));
export const canonicalEntity = (name: string): string | undefined => entityNames.get(name.toLowerCase());

function companiesStructure(deps: AcumaticaDeps, tenant: Tenant, q: Retrieval): Reply {
  const rec: EntityRecord = {
    id: deps.state.newId(),
    fields: {},
    linked: {},
    details: {
      Results: tenant.branches.map((b, i) => ({
        id: `00000000-0000-0000-0000-${String(i + 1).padStart(12, '0')}`,
        fields: { CompanyID: b.company, CompanyName: b.company, CompanyType: 'With Branches Not Requiring Balancing', CompanyStatus: true, BranchID: b.id, BranchName: b.name, BranchStatus: true, BranchCountry: 'US', BaseCurrencyID: 'USD' },
      })),
    },
    note: '',
    createdAt: 0,
    modifiedAt: 0,
  };
  return { status: 200, body: render('CompaniesStructure', rec, q) };
}

/** An empty record naming every field the emulator keeps, for `GET <Entity>/$adHocSchema` (custom fields: none). */
function adHocSchema(deps: AcumaticaDeps, entity: string): Reply {
  const fields = Object.fromEntries(Object.keys(shapes[entity]!.fields).map((f) => [f, null]));
  const rec: EntityRecord = { id: deps.state.newId(), fields, linked: {}, details: {}, note: '', createdAt: 0, modifiedAt: 0 };
  return { status: 200, body: render(entity, rec, {}) };
}

function dispatch(deps: AcumaticaDeps, auth: Auth, request: FastifyRequest, base: string): Reply {
  const tenant = auth.tenant;
  const busy = busySession(deps, auth.session?.id, request.method, request.url.split('?')[0]!);
  if (busy) return busy;
  const params = request.params as { endpoint: string; version: string; '*': string };
  const notFound = { status: 404, body: noResource(request.url) };
  const [typed = '', ...rest] = params['*'].split('/');
  const entity = canonicalEntity(typed) ?? typed;
  const q = (request.query ?? {}) as Retrieval;
  const tail = rest.join('/');
  const endpointBase = `${base}/entity/Default/${params.version}`;
  if (entity === 'CompaniesStructure') return request.method === 'PUT' && tail === '' ? companiesStructure(deps, tenant, q) : notFound;
  if (request.method === 'POST') return rest.length === 1 && rest[0] ? invokeAction(deps, tenant, entity, rest[0], request.body, endpointBase, auth.session?.id) : notFound;
  if (request.method === 'PUT' || request.method === 'PATCH') return tail === '' ? saveEntity(deps, tenant, entity, saveCallOf(request), request.method === 'PUT' ? 'put' : 'patch') : notFound;
  if (request.method === 'GET' && rest.length === 3 && rest[1] === 'status' && hasAction(entity, rest[0]!)) return pollAction(deps, entity, rest[0]!, rest[2]!);
  if (request.method === 'GET' && tail === '') return { status: 200, body: list(tenant, entity, q) };
  if (request.method === 'GET' && tail === '$adHocSchema') return adHocSchema(deps, entity);
  const rec = findByPath(tenant, entity, tail);
  if (!rec) return { status: 404, body: httpError(404, messages.noEntity) };
  if (request.method === 'GET') return { status: 200, body: render(entity, rec, q) };
  const refusal = entityRules[entity]?.deletable?.(rec) ?? null;
  if (refusal) return { status: 422, body: { ...render(entity, rec, { $select: 'Type,ReferenceNbr,Status' }), error: refusal } };
  for (const [key, r] of table(tenant, entity)) if (r === rec) table(tenant, entity).delete(key);
  deps.push.notify(tenant, entity, pushRow(entity, rec), undefined);
  return { status: 204 };
}

/** A wrong endpoint, version or entity is 404 before any credentials are looked at. */
function unknownResource(deps: AcumaticaDeps, request: FastifyRequest): Reply | null {
  const params = request.params as { endpoint: string; version: string; '*': string };
  const entity = canonicalEntity(params['*'].split('/')[0] ?? '');
  if (params.endpoint.toLowerCase() === 'default' && deps.options.versions.includes(params.version) && entity) return null;
  return { status: 404, body: noResource(request.url) };
}

export function registerEntityRoutes(app: FastifyInstance, deps: AcumaticaDeps, baseUrl: () => string): void {
  app.get('/entity', async () => {
    deps.ctx.stats.countCall('GET /entity');
    return discovery(deps, baseUrl());
  });
  apiRoute(app, deps, ['GET', 'PUT', 'PATCH', 'POST', 'DELETE'], '/entity/:endpoint/:version/*', (auth, request) => dispatch(deps, auth, request, baseUrl()), (request) => unknownResource(deps, request));
}
