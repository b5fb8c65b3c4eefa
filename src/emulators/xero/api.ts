import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../kit/base.ts';
import { refuse, runPipeline } from '../kit/pipeline.ts';
import type { AuthStore } from './auth-store.ts';
import { MalformedBody, OversizedBody } from './body.ts';
import { parseIfModifiedSince, ymdOf } from './dates.ts';
import {
  badRequest, forbiddenTenant, notAcceptable, postDataInvalid, rateLimited, serverError, tokenExpired, tooLarge,
  unauthenticated, unauthorisedScope, unavailable, type ApiResult,
} from './errors.ts';
import { IdempotencyCache, MAX_KEY_LENGTH } from './idempotency.ts';
import type { XeroLimits } from './limits.ts';
import { param, type Query } from './query.ts';
import type { XeroState } from './state.ts';
import type { ChangeEvent, Tenant } from './tenant.ts';
import type { XeroWebhooks } from './webhooks.ts';
import type { WriteCtx } from './write.ts';

/**
 * The Accounting API request pipeline (the kit's, with Xero's steps), in the order Xero's gateway applies it:
 * count the call → forced token expiry (fault) → bearer token (401) → scope (401) → tenant header
 * and connection (403) → per-tenant and app limits (429) → latency, spent holding the concurrency
 * slot so it counts as in flight → injected faults (500/503/429/drop/hang/lost response) →
 * `Accept: application/json` (406) → body size (413) and JSON (400 ErrorNumber 14) →
 * If-Modified-Since as a date-time (400) → Idempotency-Key → the handler. Every answer carries the
 * X-*-Remaining headers (A3).
 */

export const API_PREFIX = '/api.xro/2.0';

/** Scopes that open each family of endpoints: the broad ones in the spec and the 2026 granular ones (A1). */
export const SCOPES = {
  settingsRead: ['accounting.settings', 'accounting.settings.read'],
  settingsWrite: ['accounting.settings'],
  contactsRead: ['accounting.contacts', 'accounting.contacts.read'],
  contactsWrite: ['accounting.contacts'],
  invoicesRead: ['accounting.transactions', 'accounting.transactions.read', 'accounting.invoices', 'accounting.invoices.read'],
  invoicesWrite: ['accounting.transactions', 'accounting.invoices'],
  paymentsRead: ['accounting.transactions', 'accounting.transactions.read', 'accounting.payments', 'accounting.payments.read'],
  paymentsWrite: ['accounting.transactions', 'accounting.payments'],
} as const;

export interface ApiDeps {
  ctx: EmulatorContext;
  state: XeroState;
  auth: AuthStore;
  limits: XeroLimits;
  webhooks: XeroWebhooks;
  idempotency: IdempotencyCache;
  /** Every Accounting route registered, as "METHOD /Path/{Param}" (the spec's spelling). */
  routes: string[];
}

export interface ApiRequest {
  tenant: Tenant;
  query: Query;
  params: Record<string, string>;
  body: unknown;
  headers: IncomingHttpHeaders;
  now: number;
  /** Events the handler raised; sent to the webhook only when the answer is a success. */
  events: ChangeEvent[];
  write(): WriteCtx;
  summarizeErrors: boolean;
}

export type Handler = (req: ApiRequest) => ApiResult;

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

const acceptsJson = (accept: string | undefined): boolean => accept !== undefined && /application\/json/i.test(accept);

/**
 * Xero's steps of the kit pipeline (kit/pipeline.ts): faults strike inside the concurrency slot,
 * after the latency. Every answer, refusals included, carries the limit headers of the tenant and of
 * the app once the token names it.
 */
async function run(deps: ApiDeps, request: FastifyRequest, scopes: readonly string[], handler: Handler): Promise<ApiResult | null> {
  const { ctx, auth, limits, state } = deps;
  const tenantHeader = header(request.headers, 'xero-tenant-id')?.trim().toLowerCase() ?? '';
  const tenant = tenantHeader ? state.tenant(tenantHeader) : undefined;
  // Limits are per app and tenant; until the token names its app the headers are the primary app's.
  let clientId: string | undefined;
  const withHeaders = (r: ApiResult): ApiResult => ({ ...r, headers: { ...limits.headers(tenant?.tenantId ?? null, clientId), ...r.headers } });
  const refused = (r: ApiResult) => refuse(withHeaders(r));

  return runPipeline<Tenant, ApiResult>(ctx, request, {
    faults: 'in-gate',
    faultPath: request.url.split('?')[0]!,
    expireAuth: () => auth.expireAllAccessTokens(),
    authenticate: () => {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header(request.headers, 'authorization') ?? '')?.[1];
      const access = auth.checkAccess(bearer);
      if (!access) return refused(unauthenticated());
      if ('expiredAt' in access) return refused(tokenExpired(access.expiredAt));
      if (!scopes.some((s) => access.scope.includes(s))) return refused(unauthorisedScope());
      if (!tenant || access.revoked || !auth.connectionFor(tenant.tenantId)) return refused(forbiddenTenant());
      clientId = access.clientId;
      return tenant;
    },
    admit: (t) => {
      const admission = limits.admit(t.tenantId, clientId);
      if (admission.ok) return admission;
      const extra: Record<string, string> = { 'X-Rate-Limit-Problem': admission.problem };
      if (admission.retryAfter !== undefined) extra['Retry-After'] = String(admission.retryAfter);
      return refused({ ...rateLimited(admission.problem), headers: extra });
    },
    faultAnswer: (kind, t) => {
      if (kind === 'server_error') return withHeaders(serverError());
      if (kind === 'unavailable') return withHeaders(unavailable());
      return withHeaders({ ...rateLimited('minute'), headers: { 'X-Rate-Limit-Problem': 'minute', 'Retry-After': String(limits.minuteRetryAfter(t!.tenantId, clientId)) } });
    },
    handle: (t) => {
      if (!acceptsJson(header(request.headers, 'accept'))) return withHeaders(notAcceptable());
      const body = request.body;
      if (body instanceof OversizedBody) return withHeaders(tooLarge());
      if (body instanceof MalformedBody) return withHeaders(postDataInvalid(body.detail));
      // The spec declares If-Modified-Since `format: date-time` (xero_accounting.yaml); a value that
      // is not one is refused rather than ignored, so a client sending another form (an HTTP date)
      // finds out instead of silently reading everything. Xero's exact answer is UNVERIFIED.
      if (parseIfModifiedSince(header(request.headers, 'if-modified-since')) === 'malformed') {
        return withHeaders(badRequest('If-Modified-Since must be a UTC date-time such as 2009-11-12T00:00:00 (yyyy-mm-ddThh:mm:ss).'));
      }
      return answer(deps, request, t, handler, withHeaders);
    },
  });
}

/** Runs the handler, once per Idempotency-Key: a repeat gets the first answer (A5). */
async function answer(deps: ApiDeps, request: FastifyRequest, tenant: Tenant, handler: Handler, withHeaders: (r: ApiResult) => ApiResult): Promise<ApiResult> {
  const body = request.body;
  const execute = (): ApiResult => {
    const now = deps.ctx.clock.now();
    const events: ChangeEvent[] = [];
    const query = (request.query ?? {}) as Query;
    const req: ApiRequest = {
      tenant,
      query,
      params: (request.params ?? {}) as Record<string, string>,
      body,
      headers: request.headers,
      now,
      events,
      summarizeErrors: param(query, 'summarizeErrors')?.toLowerCase() !== 'false',
      write: () => ({ tenant, now, today: ymdOf(now), unitdp4: param(query, 'unitdp') === '4', events }),
    };
    const result = handler(req);
    if (result.status < 400) deps.webhooks.emit(events);
    return result;
  };

  const key = request.method === 'GET' ? undefined : header(request.headers, 'idempotency-key');
  if (key === undefined) return withHeaders(execute());
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) return withHeaders(badRequest(`Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters.`));
  const fingerprint = IdempotencyCache.fingerprint(request.method, request.url, body);
  for (;;) {
    const claim = deps.idempotency.claim(tenant.tenantId, key, fingerprint);
    if (claim.kind === 'mismatch') return withHeaders(badRequest('This Idempotency-Key was already used for a different request.'));
    if (claim.kind === 'replay') {
      const replayed = await claim.result;
      if (replayed) return withHeaders(replayed);
      continue;
    }
    try {
      const result = execute();
      claim.finish(result);
      return withHeaders(result);
    } catch (e) {
      claim.abandon();
      throw e;
    }
  }
}

function send(reply: FastifyReply, r: ApiResult): FastifyReply {
  reply.code(r.status);
  if (r.headers) reply.headers(r.headers);
  if (r.contentType) reply.type(r.contentType);
  return reply.send(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
}

/** Registers one Accounting API route behind the pipeline. `path` is relative to /api.xro/2.0. */
export function apiRoute(app: FastifyInstance, deps: ApiDeps, method: 'GET' | 'PUT' | 'POST', path: string, scopes: readonly string[], handler: Handler): void {
  const url = `${API_PREFIX}${path}`;
  const endpoint = `${method} ${url}`;
  deps.routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
  app.route({
    method,
    url,
    handler: async (request, reply) => {
      deps.ctx.stats.countCall(endpoint);
      const result = await run(deps, request, scopes, handler);
      if (result === null) {
        reply.hijack();
        return;
      }
      if (!result.contentType && typeof result.body !== 'string') reply.type('application/json; charset=utf-8');
      return send(reply, result);
    },
  });
}
