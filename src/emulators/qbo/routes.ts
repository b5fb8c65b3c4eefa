import type { FastifyInstance, FastifyRequest } from 'fastify';
import { batchItems } from './batch.ts';
import { cdc } from './cdc.ts';
import { malformed, objectNotFound, qboTime, throttled, unsupportedOperation, validation, type QboAnswer } from './errors.ts';
import { runApi, send, type ApiDeps, type Call } from './pipeline.ts';
import { parseQuery, runQuery } from './query.ts';
import type { ChangeEvent, EntityName } from './store.ts';
import { write, writeContext } from './operations.ts';
import { bodyObject } from './writes.ts';

/**
 * The Accounting API routes under /v3/company/{realmId} (B2): POST /{entity} creates, updates
 * (with Id and SyncToken) or deletes (`?operation=delete`); GET /{entity}/{id} reads; /query, /cdc
 * and /batch. `minorversion` is accepted with any value and answered as 75 (B2, B8.3). Paths are
 * case-sensitive, so `/vendor` is not `/Vendor` (B2).
 */

export const API_PREFIX = '/v3/company';

export interface RouteDeps extends ApiDeps {
  emit(events: ChangeEvent[]): void;
}

type Query = Record<string, string | undefined>;

/** Entity path segments are lower-case in QBO's URIs (`/bill`, `/billpayment`, `/purchaseorder`). */
const ENTITY_BY_PATH = new Map<string, EntityName>([
  ['vendor', 'Vendor'], ['account', 'Account'], ['purchaseorder', 'PurchaseOrder'], ['bill', 'Bill'],
  ['billpayment', 'BillPayment'], ['class', 'Class'], ['department', 'Department'], ['item', 'Item'],
]);

/**
 * How stats name a call: "POST /v3/company/:realmId/purchaseorder", with the entity segment as
 * sent when it is one QBO serves (so calls are counted, and can be watched, per entity); an unknown
 * segment stays `:entity`, so made-up paths do not grow the table.
 */
function endpointOf(method: string, path: string, request: FastifyRequest): string {
  const segment = (request.params as { entity?: string }).entity;
  const concrete = segment !== undefined && ENTITY_BY_PATH.has(segment) ? path.replace(':entity', segment) : path;
  return `${method} ${API_PREFIX}/:realmId${concrete}`;
}

const ok = (body: Record<string, unknown>, now: number): QboAnswer => ({ status: 200, body: { ...body, time: qboTime(now) } });

export function registerApiRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const route = (method: 'GET' | 'POST', path: string, handler: (call: Call, request: FastifyRequest) => QboAnswer | Promise<QboAnswer>) => {
    app.route({
      method,
      url: `${API_PREFIX}/:realmId${path}`,
      handler: async (request, reply) => {
        deps.ctx.stats.countCall(endpointOf(method, path, request));
        const { realmId } = request.params as { realmId: string };
        return send(reply, await runApi(deps, request, realmId, (call) => handler(call, request)));
      },
    });
  };
  const entityOf = (request: FastifyRequest): EntityName => {
    const segment = (request.params as { entity: string }).entity;
    const entity = ENTITY_BY_PATH.get(segment);
    if (!entity) throw unsupportedOperation(request.url.split('?')[0]!);
    return entity;
  };

  route('POST', '/:entity', (call, request) => {
    const entity = entityOf(request);
    const query = request.query as Query;
    const ctx = writeContext(call, query);
    const body = bodyObject(request.body, entity);
    const operation = query.operation === 'delete' ? 'delete' : body.Id !== undefined ? 'update' : 'create';
    if (query.operation !== undefined && query.operation !== 'delete' && query.operation !== 'update') throw malformed(`Unsupported operation: ${query.operation}`);
    const result = write(ctx, entity, operation, body);
    deps.emit(ctx.events);
    return ok({ [entity]: result }, call.now);
  });

  route('GET', '/:entity/:id', (call, request) => {
    const entity = entityOf(request);
    const { id } = request.params as { id: string };
    const record = call.realm.get(entity, id);
    if (!record) throw objectNotFound(entity, id);
    return ok({ [entity]: record }, call.now);
  });

  const query = (call: Call, request: FastifyRequest) => {
    const text = request.method === 'GET' ? (request.query as Query).query : typeof request.body === 'string' ? request.body : undefined;
    if (!text) throw validation('4000', 'Error parsing query', 'QueryParserError: the query parameter is missing.');
    const q = parseQuery(text);
    return ok({ QueryResponse: runQuery(q, call.realm.all(q.entity)) }, call.now);
  };
  route('GET', '/query', query);
  route('POST', '/query', query);

  route('GET', '/cdc', (call, request) => ok(cdc(call, request.query as Query), call.now));

  route('POST', '/batch', (call, request) => {
    if (!deps.limits.admitBatch(call.realm.realmId, call.clientId)) throw throttled();
    const { body, events } = batchItems(call, request.body, request.query as Query);
    deps.emit(events);
    return ok(body, call.now);
  });
}
