/**
 * The path every API request takes, in order (the kit's pipeline, kit/pipeline.ts, with BILL's
 * steps): count the call, apply an injected fault, check devKey and session, take from the hourly
 * allowance, enter the per-organisation concurrency gate, spend the emulated latency inside the gate
 * (so it counts as in flight), run the handler, leave the gate. Errors come out as BILL's error
 * array (A10).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { admitAll, refuse, runPipeline, type PipelineHooks, type StatusFault } from '../kit/pipeline.ts';
import { BillApiError, billCodes, billMessages, renderErrors, type BillErrorItem } from './errors.ts';
import { BillLimits } from './limits.ts';
import type { Organization, Session } from './model.ts';
import type { BillDeps } from './options.ts';

export const apiBase = '/connect/v3';
export const eventsBase = '/connect-events/v3';

export type Base = 'connect' | 'events';
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Reply {
  status: number;
  body?: unknown;
}

export interface PublicCall {
  request: FastifyRequest;
  body: unknown;
  query: Record<string, string>;
  params: Record<string, string>;
}

export interface Call extends PublicCall {
  session: Session;
  org: Organization;
  devKey: string;
}

export function sendErrors(deps: BillDeps, reply: FastifyReply, status: number, items: BillErrorItem[]): FastifyReply {
  return reply.code(status).send(renderErrors(items, deps.state.now()));
}

function sendReply(reply: FastifyReply, result: Reply): FastifyReply {
  reply.code(result.status);
  return result.body === undefined ? reply.send() : reply.send(result.body);
}

function rateLimited(deps: BillDeps, base: Base, message: string, code: string): BillApiError {
  const status = base === 'events' ? deps.options.eventsRateLimitStatus : deps.options.rateLimitStatus;
  return new BillApiError(status, [{ code, message, category: 'DOWNSTREAM' }]);
}

function singleQuery(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && typeof v[v.length - 1] === 'string') out[k] = v[v.length - 1] as string;
  }
  return out;
}

/** Bodies sent without a JSON content type arrive as text; BILL only speaks JSON, so parse them as such. */
function jsonBody(request: FastifyRequest): unknown {
  const body = request.body;
  if (typeof body !== 'string') return body;
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new BillApiError(400, [{ code: billCodes.UNKNOWN, message: 'The request body is not valid JSON.' }]);
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name.toLowerCase()];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** BILL's answer to an injected status fault (A10, A11). */
function faultError(deps: BillDeps, base: Base, kind: StatusFault): BillApiError {
  if (kind === 'server_error') return new BillApiError(500, [{ code: billCodes.SYSTEM, message: billMessages.system, category: 'SERVER' }]);
  if (kind === 'unavailable') return new BillApiError(503, [{ code: billCodes.SYSTEM, message: billMessages.unavailable, category: 'SERVER' }]);
  return rateLimited(deps, base, billMessages.concurrent, billCodes.CONCURRENT_LIMIT);
}

function sessionInvalid(deps: BillDeps): BillApiError {
  return new BillApiError(deps.options.sessionInvalidStatus, [
    { code: billCodes.SESSION_INVALID, message: billMessages.sessionInvalid, category: 'DOWNSTREAM' },
  ]);
}

/**
 * devKey and sessionId headers (A2, A14.3). A missing or unknown devKey is BDC_1102; a missing, unknown,
 * logged-out or idle-expired session, or one opened with another devKey, is BDC_1109 — never a distinct
 * "expired" code. The events base answers 400 for missing headers ([BD:webhook-api-error-responses]).
 */
interface Authenticated {
  session: Session;
  org: Organization;
  devKey: string;
}

function authenticate(deps: BillDeps, request: FastifyRequest, base: Base): Authenticated {
  const devKey = header(request, 'devKey');
  const sessionId = header(request, 'sessionId');
  const missingStatus = base === 'events' ? 400 : undefined;
  if (!devKey || !deps.options.devKeys.has(devKey)) {
    throw new BillApiError(!devKey && missingStatus ? missingStatus : 401, [
      { code: billCodes.BAD_DEV_KEY, message: billMessages.badDevKey, category: 'REQUEST' },
    ]);
  }
  if (!sessionId && missingStatus) {
    throw new BillApiError(missingStatus, [{ code: billCodes.SESSION_INVALID, message: billMessages.sessionInvalid, category: 'DOWNSTREAM' }]);
  }
  const session = deps.state.sessions.find(sessionId);
  if (!session || session.data.devKey !== devKey) throw sessionInvalid(deps);
  const org = deps.state.org(session.data.organizationId);
  if (!org) throw sessionInvalid(deps);
  // Each accepted call slides the 35-minute idle timer (A2, A14.4).
  deps.state.sessions.touch(session);
  return { session, org, devKey };
}

/** A thrown BillApiError as BILL's error array; anything else is BILL's 500. */
function errorReply(deps: BillDeps, e: unknown): Reply {
  const [status, items]: [number, BillErrorItem[]] =
    e instanceof BillApiError ? [e.status, e.items] : [500, [{ code: billCodes.SYSTEM, message: billMessages.system, category: 'SERVER' }]];
  return { status, body: renderErrors(items, deps.state.now()) };
}

/** Runs a handler on the parsed call; whatever it throws becomes BILL's error array. */
async function handled<C extends PublicCall>(deps: BillDeps, call: () => C, handler: (call: C) => Reply | Promise<Reply>): Promise<Reply> {
  try {
    return await handler(call());
  } catch (e) {
    return errorReply(deps, e);
  }
}

const publicCall = (request: FastifyRequest): PublicCall => ({
  request,
  body: jsonBody(request),
  query: singleQuery(request),
  params: (request.params ?? {}) as Record<string, string>,
});

/**
 * BILL's steps of the kit pipeline: faults strike at the gateway (a late write reaches BILL late,
 * before authentication and the concurrency gate); then devKey and session, the hourly allowance,
 * and the per-organisation gate, whose in-flight count the stats keep as `bill:<organisationId>`.
 */
function billSteps(deps: BillDeps, request: FastifyRequest, base: Base, handler: (call: Call) => Reply | Promise<Reply>): PipelineHooks<Authenticated, Reply> {
  const { limits, ctx, options } = deps;
  const refuseWith = (e: unknown) => refuse(errorReply(deps, e));
  return {
    faults: 'at-gateway',
    faultPath: request.url,
    expireAuth: () => deps.state.sessions.endAll(),
    authenticate: () => {
      try {
        return authenticate(deps, request, base);
      } catch (e) {
        return refuseWith(e);
      }
    },
    admit: (auth) => {
      if (!limits.hourly.tryTake(auth.devKey)) {
        ctx.stats.reject('bill.hourly');
        return refuseWith(rateLimited(deps, base, billMessages.hourly(options.hourlyLimit), billCodes.HOURLY_LIMIT));
      }
      const gateKey = BillLimits.gateKey(auth.devKey, auth.org.id);
      if (!limits.gate.tryEnter(gateKey)) {
        ctx.stats.reject('bill.concurrent');
        return refuseWith(rateLimited(deps, base, billMessages.concurrent, billCodes.CONCURRENT_LIMIT));
      }
      const scope = `bill:${auth.org.id}`;
      ctx.stats.enter(scope);
      if (limits.gate.current(gateKey) > options.concurrencyLimit) ctx.stats.limitViolations += 1;
      return {
        release: () => {
          limits.gate.leave(gateKey);
          ctx.stats.leave(scope);
        },
      };
    },
    faultAnswer: (kind) => errorReply(deps, faultError(deps, base, kind)),
    handle: (auth) => handled(deps, () => ({ ...publicCall(request), ...auth }), handler),
  };
}

/** `/vendors/` matches `/vendors/:vendorId` with an empty id; BILL has no such path. */
function emptyParam(request: FastifyRequest): boolean {
  return Object.values((request.params ?? {}) as Record<string, string>).some((v) => v === '');
}

/** 404 BDC_1121 "API not supported." for a path BILL does not have (A10, A14.1). */
export function notSupported(deps: BillDeps, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  deps.ctx.stats.countCall(`${request.method} (not supported)`);
  return sendErrors(deps, reply, 404, [{ code: billCodes.NOT_SUPPORTED, message: billMessages.notSupported, category: 'REQUEST' }]);
}

function fullPath(base: Base, path: string): string {
  return `${base === 'connect' ? apiBase : eventsBase}${path}`;
}

function route<A>(app: FastifyInstance, deps: BillDeps, method: Method, url: string, steps: (request: FastifyRequest) => PipelineHooks<A, Reply>, checkParams: boolean): void {
  const endpoint = `${method} ${url}`;
  app.route({
    method,
    url,
    handler: async (request, reply) => {
      if (checkParams && emptyParam(request)) return notSupported(deps, request, reply);
      deps.ctx.stats.countCall(endpoint);
      const result = await runPipeline(deps.ctx, request, steps(request));
      if (result === null) {
        reply.hijack();
        return reply;
      }
      return sendReply(reply, result);
    },
  });
}

/** A route that needs a session: the whole pipeline above. */
export function apiRoute(app: FastifyInstance, deps: BillDeps, method: Method, base: Base, path: string, handler: (call: Call) => Reply | Promise<Reply>): void {
  route(app, deps, method, fullPath(base, path), (request) => billSteps(deps, request, base, handler), true);
}

/** A route without a session (login): counted, faulted and delayed, but its limits are its own. */
export function publicRoute(app: FastifyInstance, deps: BillDeps, method: Method, base: Base, path: string, handler: (call: PublicCall) => Reply | Promise<Reply>): void {
  route(app, deps, method, fullPath(base, path), (request) => ({
    faults: 'at-gateway',
    faultPath: request.url,
    authenticate: () => null,
    admit: admitAll,
    faultAnswer: (kind) => errorReply(deps, faultError(deps, base, kind)),
    handle: () => handled(deps, () => publicCall(request), handler),
  }), false);
}
