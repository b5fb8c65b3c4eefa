import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../kit/base.ts';
import { refuse, runPipeline } from '../kit/pipeline.ts';
import type { QboAuth } from './auth.ts';
import { QboFault, applicationAuthorizationFailed, authenticationFailed, faultAnswer, qboTime, systemFault, throttled, type QboAnswer } from './errors.ts';
import type { QboLimits } from './limits.ts';
import type { Realm, QboState } from './store.ts';

/**
 * The Accounting API request path (the kit's pipeline with QBO's steps): forced expiry (fault) →
 * bearer token (401 Fault 3200, also for a revoked or disconnected grant) → the token's company
 * against the path's realmId (403 Fault 3100, B8.1) → per-realm limits (429 Fault 3001, no
 * Retry-After) → latency inside the slot → injected faults → `requestid` replay → the handler.
 * Every answer carries an `intuit_tid` header (B2).
 */

export interface ApiDeps {
  ctx: EmulatorContext;
  auth: QboAuth;
  limits: QboLimits;
  state: QboState;
  /** First answers by realm and `requestid` (B2: a repeated requestid returns the original response). */
  replays: Map<string, Promise<QboAnswer>>;
  /** The real-world quirk of a 429 sent as XML whatever the Accept header says (B3, B8.4). */
  throttleAsXml(): boolean;
}

/** The 429 as Intuit has been seen sending it: an IntuitResponse in XML even to a JSON client (B3). */
function throttledXml(now: number): QboAnswer {
  const f = throttled();
  const e = f.errors[0]!;
  const body = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="${qboTime(now)}"><Fault type="${f.type}"><Error code="${e.code}"><Message>${e.Message}</Message><Detail>${e.Detail}</Detail></Error></Fault></IntuitResponse>`;
  return { status: 429, body, headers: { 'content-type': 'application/xml' } };
}

export interface Call {
  realm: Realm;
  clientId: string;
  now: number;
}

export type Handler = (call: Call) => QboAnswer | Promise<QboAnswer>;

const bearer = (request: FastifyRequest): string | undefined => /^Bearer\s+(\S+)\s*$/i.exec(String(request.headers.authorization ?? ''))?.[1];

/** Turns a thrown QboFault into its envelope; anything else is a SystemFault 500. */
export async function guarded(ctx: EmulatorContext, work: () => QboAnswer | Promise<QboAnswer>): Promise<QboAnswer> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof QboFault) return faultAnswer(e, ctx.clock.now());
    return faultAnswer(systemFault(500), ctx.clock.now());
  }
}

export async function runApi(deps: ApiDeps, request: FastifyRequest, realmId: string, handler: Handler): Promise<QboAnswer | null> {
  const { ctx, auth, limits, state } = deps;
  const fault = (f: QboFault) => faultAnswer(f, ctx.clock.now());
  return runPipeline<Call, QboAnswer>(ctx, request, {
    faults: 'in-gate',
    faultPath: request.url.split('?')[0]!,
    expireAuth: () => auth.server.expireAllAccessTokens(),
    authenticate: () => {
      const access = auth.server.checkAccess(bearer(request));
      if (!access || 'expiredAt' in access || access.revoked) return refuse(fault(authenticationFailed()));
      const realm = state.realm(realmId);
      if (!realm || auth.realmOf(access) !== realmId) return refuse(fault(applicationAuthorizationFailed()));
      return { realm, clientId: access.clientId, now: ctx.clock.now() };
    },
    admit: (call) => {
      const admission = limits.admit(call.realm.realmId, call.clientId);
      if (admission.ok) return admission;
      return refuse(deps.throttleAsXml() ? throttledXml(ctx.clock.now()) : fault(throttled()));
    },
    faultAnswer: (kind) => fault(kind === 'rate_limited' ? throttled() : systemFault(kind === 'server_error' ? 500 : 503)),
    handle: (call) => replayed(deps, request, call, handler),
  });
}

/** Writes with a `requestid` run once per realm; a repeat gets the first answer and writes nothing (B2, B8.11). */
function replayed(deps: ApiDeps, request: FastifyRequest, call: Call, handler: Handler): Promise<QboAnswer> {
  const run = () => guarded(deps.ctx, () => handler({ ...call, now: deps.ctx.clock.now() }));
  const requestId = (request.query as Record<string, string | undefined>).requestid;
  if (request.method !== 'POST' || !requestId) return run();
  const key = `${call.realm.realmId}|${requestId}`;
  const first = deps.replays.get(key);
  if (first) return first;
  const answer = run();
  deps.replays.set(key, answer);
  if (deps.replays.size > 10_000) deps.replays.delete(deps.replays.keys().next().value!);
  return answer;
}

export function send(reply: FastifyReply, answer: QboAnswer | null): FastifyReply | undefined {
  if (answer === null) {
    reply.hijack();
    return undefined;
  }
  reply.code(answer.status).header('intuit_tid', `1-${randomUUID().replace(/-/g, '').slice(0, 24)}`);
  if (typeof answer.body === 'string') return reply.headers(answer.headers ?? {}).send(answer.body);
  if (answer.headers) reply.headers(answer.headers);
  return reply.type('application/json;charset=UTF-8').send(JSON.stringify(answer.body));
}
