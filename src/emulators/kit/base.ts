import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { OffsetClock, sleep } from '../../core/clock.ts';
import { EmulatorStats } from './stats.ts';
import { FaultInjector, type FaultDecision } from './faults.ts';
import { WebhookSender } from './webhook-sender.ts';

export interface EmulatorOptions {
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  host?: string;
  /** Seed for generated data, ids and faults (default 1). */
  seed?: number;
  /** Added to every API request, counted as time in flight (default 0). */
  latencyMs?: number;
  /** Multiplies webhook retry delays (tests shrink them; default 1). */
  webhookDelayScale?: number;
}

/**
 * Added per item of a bulk or batch request body, on top of `latencyMs` (default 0): a bulk call of
 * N items is held N × this longer than a single one, as a real service spends longer on more work.
 * Kept apart from EmulatorOptions so emulators that resolve every option of their own are unaffected;
 * `startEmulators` passes it through to each emulator's context.
 */
export interface PerItemLatencyOption {
  latencyPerItemMs?: number;
}

/** What every emulator shares: its clock, stats, faults, webhook sender and latency. */
export class EmulatorContext {
  readonly clock = new OffsetClock();
  readonly stats = new EmulatorStats();
  readonly faults: FaultInjector;
  readonly webhooks: WebhookSender;
  readonly seed: number;
  latencyMs: number;
  latencyPerItemMs: number;
  /** Total per-item latency added so far (`GET /_emulator/latency`), so a benchmark can count it in its floor. */
  itemLatencyHeldMs = 0;
  webhookDelayScale: number;

  constructor(options: EmulatorOptions & PerItemLatencyOption) {
    this.seed = options.seed ?? 1;
    this.latencyMs = options.latencyMs ?? 0;
    this.latencyPerItemMs = options.latencyPerItemMs ?? 0;
    this.webhookDelayScale = options.webhookDelayScale ?? 1;
    this.faults = new FaultInjector(this.seed, this.stats);
    this.webhooks = new WebhookSender(this.stats, this.faults, () => this.webhookDelayScale);
  }
}

export const isControlPath = (url: string): boolean => url.startsWith('/_emulator/');

type MarkedRequest = FastifyRequest & { loseResponse?: boolean; holdMs?: number };

/**
 * Applies an injected transport-level fault. Returns true when the request must not be processed
 * further (connection dropped or hung). 'lost_response' marks the request so the response is
 * discarded after the write was applied; 'hold' marks it so the answer leaves `ms` after it is
 * ready; 'late_write' cuts the connection now and returns only after `ms`, so the caller goes on
 * processing the request late (its answer discarded). Status-code faults are rendered by the
 * emulator itself.
 */
export async function applyTransportFault(fault: FaultDecision, request: FastifyRequest): Promise<boolean> {
  const marked = request as MarkedRequest;
  if (fault.kind === 'drop') {
    request.raw.socket.destroy();
    return true;
  }
  if (fault.kind === 'timeout') {
    await sleep(fault.ms);
    request.raw.socket.destroy();
    return true;
  }
  if (fault.kind === 'lost_response') marked.loseResponse = true;
  if (fault.kind === 'hold') marked.holdMs = fault.ms;
  if (fault.kind === 'late_write') {
    marked.loseResponse = true;
    request.raw.socket.destroy();
    await sleep(fault.ms);
  }
  return false;
}

/**
 * Registers the onSend hook that discards the response of requests marked 'lost_response' (and
 * 'late_write') and holds back the answer of requests marked 'hold'. A held answer is held after
 * the handler has finished, so the request no longer holds a concurrency slot on the service while
 * it waits; the client still counts it in flight until the answer arrives.
 */
export function registerLostResponseHook(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const marked = request as MarkedRequest;
    if (marked.loseResponse) reply.raw.socket?.destroy();
    else if (marked.holdMs) await sleep(marked.holdMs);
    return payload;
  });
}

/**
 * Items in a bulk or batch request body: a JSON array (BILL `POST /v3/bills/bulk`), or an object
 * whose only field is an array (Xero `{"Invoices": [...]}`); 0 for anything else (a single record, a read).
 */
export function bulkItemCount(body: unknown): number {
  if (Array.isArray(body)) return body.length;
  if (typeof body !== 'object' || body === null) return 0;
  const values = Object.values(body);
  return values.length === 1 && Array.isArray(values[0]) ? values[0].length : 0;
}

/** The latency one request is held for: the base latency plus the per-item latency of its bulk body. */
export function latencyFor(ctx: EmulatorContext, body: unknown): { baseMs: number; itemMs: number } {
  return { baseMs: ctx.latencyMs, itemMs: ctx.latencyPerItemMs > 0 ? ctx.latencyPerItemMs * bulkItemCount(body) : 0 };
}

/** Emulated network latency; the caller has already entered its concurrency gate. */
export async function applyLatency(ctx: EmulatorContext, request?: FastifyRequest): Promise<void> {
  const { baseMs, itemMs } = latencyFor(ctx, request?.body);
  ctx.itemLatencyHeldMs += itemMs;
  if (baseMs + itemMs > 0) await sleep(baseMs + itemMs);
}

/**
 * The emulators' fastify instance. `overrides` lets one emulator change a server option the vendor
 * needs (Xero matches paths case-insensitively, for example); the defaults stay as they are.
 */
export function createFastify(overrides: FastifyServerOptions = {}): FastifyInstance {
  return Fastify({
    logger: false,
    bodyLimit: 8 * 1024 * 1024,
    // Real clients keep connections alive; the emulator must not be the bottleneck under 50 clients.
    keepAliveTimeout: 30_000,
    forceCloseConnections: true,
    ...overrides,
  });
}

/** Registers `/_emulator/clock`, `/_emulator/faults` and `/_emulator/stats` (common to every emulator). */
export function registerCommonControlRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/_emulator/clock', async (request: FastifyRequest, reply: FastifyReply) => {
    const body = (request.body ?? {}) as { advanceSeconds?: unknown; advanceMs?: unknown };
    const ms = typeof body.advanceMs === 'number' ? body.advanceMs : typeof body.advanceSeconds === 'number' ? body.advanceSeconds * 1000 : NaN;
    if (!Number.isFinite(ms) || ms < 0) {
      return reply.code(400).send({ error: 'body must be {"advanceSeconds": n} or {"advanceMs": n} with n >= 0' });
    }
    ctx.clock.advance(ms);
    return { now: new Date(ctx.clock.now()).toISOString() };
  });
  app.get('/_emulator/clock', async () => ({ now: new Date(ctx.clock.now()).toISOString() }));
  app.post('/_emulator/faults', async (request, reply) => {
    try {
      return { faults: ctx.faults.configure(request.body ?? {}) };
    } catch (e) {
      return reply.code(400).send({ error: e instanceof Error ? e.message : String(e) });
    }
  });
  app.get('/_emulator/faults', async () => ({ faults: ctx.faults.current }));
  app.get('/_emulator/stats', async () => ctx.stats.snapshot());
  app.post('/_emulator/stats/reset', async () => {
    ctx.stats.reset();
    return ctx.stats.snapshot();
  });
  app.get('/_emulator/latency', async () => ({ latencyMs: ctx.latencyMs, latencyPerItemMs: ctx.latencyPerItemMs, itemLatencyHeldMs: ctx.itemLatencyHeldMs }));
  app.post('/_emulator/latency', async (request, reply) => {
    const body = (request.body ?? {}) as { latencyMs?: unknown; latencyPerItemMs?: unknown };
    const valid = (v: unknown) => v === undefined || (typeof v === 'number' && v >= 0);
    if (!valid(body.latencyMs) || !valid(body.latencyPerItemMs) || (body.latencyMs === undefined && body.latencyPerItemMs === undefined)) {
      return reply.code(400).send({ error: 'body must be {"latencyMs": n} and/or {"latencyPerItemMs": n}' });
    }
    if (typeof body.latencyMs === 'number') ctx.latencyMs = body.latencyMs;
    if (typeof body.latencyPerItemMs === 'number') ctx.latencyPerItemMs = body.latencyPerItemMs;
    return { latencyMs: ctx.latencyMs, latencyPerItemMs: ctx.latencyPerItemMs };
  });
}
