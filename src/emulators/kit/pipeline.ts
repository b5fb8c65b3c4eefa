import type { FastifyRequest } from 'fastify';
import { applyLatency, applyTransportFault, type EmulatorContext } from './base.ts';

/**
 * The path of one API request through an emulator: injected fault → forced credential expiry →
 * authentication → admission by the limits (which may hold a concurrency slot) → latency, spent
 * holding the slot so it counts as in flight → the handler → the slot released. Counting the call is
 * the route's (it knows the endpoint's name). The vendor gives each step as a hook and renders every
 * answer; the order and the fault, latency and release handling are the same for every emulator.
 *
 * Where the fault strikes is the vendor's: `at-gateway` draws it first, before the credentials are
 * looked at (BILL: a late write reaches BILL late, outside the concurrency gate); `in-gate` draws it
 * after the latency, inside the slot (Xero: a late write still holds its slot, as a call still
 * running at Xero after the client gave up). The order of the draws is part of each emulator's
 * seeded determinism, so it is fixed per mode.
 */

export type StatusFault = 'server_error' | 'unavailable' | 'rate_limited';

/** A step's refusal: the answer to send instead of going on. */
export interface Refusal<A> {
  readonly refused: A;
}

export const refuse = <A>(answer: A): Refusal<A> => ({ refused: answer });

const isRefusal = <A>(value: unknown): value is Refusal<A> => typeof value === 'object' && value !== null && 'refused' in value;

export interface PipelineHooks<Auth, Answer> {
  faults: 'at-gateway' | 'in-gate';
  /** What `pathPattern` of the fault configuration is matched against. */
  faultPath: string;
  /** Ends every token or session (faults `expireAuthNow` / `expireAuthRate`); absent for routes without credentials. */
  expireAuth?(): void;
  authenticate(): Auth | Refusal<Answer>;
  /** Takes from the limits and enters the concurrency gate, or refuses; `release` leaves the gate. */
  admit(auth: Auth): { release(): void } | Refusal<Answer>;
  /** The vendor's answer to an injected status fault (`auth` is undefined when it strikes at the gateway). */
  faultAnswer(kind: StatusFault, auth: Auth | undefined): Answer;
  handle(auth: Auth): Answer | Promise<Answer>;
}

const dropped = Symbol('dropped');

/** Applies the request's injected fault: an answer, `dropped` (connection cut or hung), or null to go on. */
async function strike<Auth, Answer>(ctx: EmulatorContext, request: FastifyRequest, hooks: PipelineHooks<Auth, Answer>, auth: Auth | undefined): Promise<Answer | typeof dropped | null> {
  const fault = ctx.faults.decide(hooks.faultPath, request.method);
  if (fault.kind === 'server_error' || fault.kind === 'unavailable' || fault.kind === 'rate_limited') return hooks.faultAnswer(fault.kind, auth);
  return (await applyTransportFault(fault, request)) ? dropped : null;
}

/** Runs one request through the steps; null when the connection was dropped or hung (hijack the reply). */
export async function runPipeline<Auth, Answer>(ctx: EmulatorContext, request: FastifyRequest, hooks: PipelineHooks<Auth, Answer>): Promise<Answer | null> {
  if (hooks.faults === 'at-gateway') {
    const struck = await strike(ctx, request, hooks, undefined);
    if (struck !== null) return struck === dropped ? null : struck;
  }
  if (hooks.expireAuth && ctx.faults.takeAuthExpiry(hooks.faultPath, request.method)) hooks.expireAuth();
  const auth = hooks.authenticate();
  if (isRefusal<Answer>(auth)) return auth.refused;
  const admission = hooks.admit(auth);
  if (isRefusal<Answer>(admission)) return admission.refused;
  try {
    await applyLatency(ctx, request);
    if (hooks.faults === 'in-gate') {
      const struck = await strike(ctx, request, hooks, auth);
      if (struck !== null) return struck === dropped ? null : struck;
    }
    return await hooks.handle(auth);
  } finally {
    admission.release();
  }
}

/** Admission for routes with no limits of their own (a login route before any session exists). */
export const admitAll = (): { release(): void } => ({ release: () => {} });
