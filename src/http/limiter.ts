import { ConnectorError } from '../core/errors.ts';
import type { LimitsSpec, WindowLimitSpec } from './limits-spec.ts';
import { WindowCounter } from './window-counter.ts';

/** Time for the limiter: real timers in production, a manual clock in tests. */
export interface LimiterTimers {
  now(): number;
  /** Calls fn after ms; returns a cancel function. */
  schedule(ms: number, fn: () => void): () => void;
}

export const realTimers: LimiterTimers = {
  now: () => Date.now(),
  schedule(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return () => clearTimeout(t);
  },
};

export type LimitGroup = WindowLimitSpec['group'];

export interface Permit {
  /** Frees the concurrency slot; call once when the response has been read (or failed). */
  release(): void;
}

interface Waiter {
  group: LimitGroup;
  resolve: (p: Permit) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Lane {
  tenant: string;
  queue: Waiter[];
  counters: WindowCounter[];
  timer: (() => void) | undefined;
}

export interface LimiterSnapshot {
  inFlight: Record<string, number>;
  maxInFlight: Record<string, number>;
  queued: Record<string, number>;
  /** How many times a waiter had to wait for a window to free up. */
  windowWaits: number;
  /** Requests refused because a day/hour allowance was parked or used up. */
  parkedRejections: number;
}

/**
 * In-process limiter for one system, keyed by tenant (Xero tenant, BILL organisation): a
 * concurrency cap, rolling or clock-aligned call windows that either make callers wait (minute
 * limits) or refuse them at once with the reset time (day/hour limits: the caller parks its work
 * instead of spinning). Numbers come from the system's spec data. Waiting is strictly FIFO per
 * tenant, so a burst from one job cannot starve the others queued before it.
 *
 * Why in process only: each worker process owns its tenants' queues (the engine runs one serial
 * queue per tenant and system), and the vendor's 429 / BDC_1322 answers are still handled by
 * retries should two processes ever overlap.
 */
export class Limiter {
  private readonly lanes = new Map<string, Lane>();
  private readonly appCounters: WindowCounter[];
  private readonly inFlight = new Map<string, number>();
  private appInFlight = 0;
  private readonly stats = { maxInFlight: new Map<string, number>(), windowWaits: 0, parkedRejections: 0 };

  constructor(
    readonly system: string,
    private readonly limits: LimitsSpec,
    private readonly timers: LimiterTimers = realTimers,
  ) {
    this.appCounters = limits.windows.filter((w) => w.scope === 'app').map((w) => new WindowCounter(w));
  }

  private lane(tenant: string): Lane {
    let lane = this.lanes.get(tenant);
    if (!lane) {
      const counters = this.limits.windows.filter((w) => w.scope === 'tenant').map((w) => new WindowCounter(w));
      lane = { tenant, queue: [], counters, timer: undefined };
      this.lanes.set(tenant, lane);
    }
    return lane;
  }

  private countersFor(lane: Lane, group: LimitGroup): WindowCounter[] {
    return [...lane.counters, ...this.appCounters].filter((c) => c.spec.group === group);
  }

  private parkedError(lane: Lane, counter: WindowCounter, now: number): ConnectorError {
    const resetAt = counter.nextRoomAt(now);
    this.stats.parkedRejections += 1;
    const who = counter.spec.scope === 'app' ? 'this app' : `tenant ${lane.tenant}`;
    return new ConnectorError({
      code: 'MLC_ERR_DAILY_LIMIT',
      system: this.system,
      message: `${this.system}: the ${counter.spec.name} allowance for ${who} (${counter.spec.published} calls, we use ${counter.spec.budget}) is used up until ${new Date(resetAt).toISOString()}; park the work until then.`,
      retryAfterMs: Math.max(0, resetAt - now),
    });
  }

  private concurrencyFree(tenant: string): boolean {
    const c = this.limits.concurrency;
    return c.scope === 'app' ? this.appInFlight < c.budget : (this.inFlight.get(tenant) ?? 0) < c.budget;
  }

  /**
   * Waits for a slot under every applicable limit, FIFO. Rejects at once with MLC_ERR_DAILY_LIMIT
   * (retryAfterMs = time to reset) when a parking allowance is exhausted.
   */
  acquire(tenant: string, group: LimitGroup = 'api', signal?: AbortSignal): Promise<Permit> {
    const lane = this.lane(tenant);
    const now = this.timers.now();
    const parked = this.countersFor(lane, group).find((c) => c.spec.onExhaust === 'park' && !c.hasRoom(now));
    if (parked) return Promise.reject(this.parkedError(lane, parked, now));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = { group, resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const i = lane.queue.indexOf(waiter);
          if (i >= 0) lane.queue.splice(i, 1);
          reject(signal.reason);
          this.pump(lane);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      lane.queue.push(waiter);
      this.pump(lane);
    });
  }

  /** The service said an allowance is used up: refuse this tenant's (or app's) calls until `untilMs`. */
  park(tenant: string, group: LimitGroup, untilMs: number): void {
    for (const c of this.countersFor(this.lane(tenant), group)) if (c.spec.onExhaust === 'park') c.park(untilMs);
  }

  private pump(lane: Lane): void {
    lane.timer?.();
    lane.timer = undefined;
    while (lane.queue.length > 0) {
      const head = lane.queue[0]!;
      const now = this.timers.now();
      const counters = this.countersFor(lane, head.group);
      const parked = counters.find((c) => c.spec.onExhaust === 'park' && !c.hasRoom(now));
      if (parked) {
        lane.queue.shift();
        this.settle(head);
        head.reject(this.parkedError(lane, parked, now));
        continue;
      }
      if (!this.concurrencyFree(lane.tenant)) return;
      const full = counters.filter((c) => !c.hasRoom(now));
      if (full.length > 0) {
        const wakeAt = Math.max(...full.map((c) => c.nextRoomAt(now)));
        this.stats.windowWaits += 1;
        lane.timer = this.timers.schedule(Math.max(1, wakeAt - now), () => {
          lane.timer = undefined;
          this.pump(lane);
        });
        return;
      }
      lane.queue.shift();
      this.settle(head);
      for (const c of counters) c.take(now);
      head.resolve(this.grant(lane));
    }
  }

  private settle(w: Waiter): void {
    if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
  }

  private grant(lane: Lane): Permit {
    const n = (this.inFlight.get(lane.tenant) ?? 0) + 1;
    this.inFlight.set(lane.tenant, n);
    this.appInFlight += 1;
    if (n > (this.stats.maxInFlight.get(lane.tenant) ?? 0)) this.stats.maxInFlight.set(lane.tenant, n);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(lane.tenant, (this.inFlight.get(lane.tenant) ?? 1) - 1);
        this.appInFlight -= 1;
        // An app-wide cap frees a slot for every tenant; a tenant cap only for this one.
        if (this.limits.concurrency.scope === 'app') for (const l of this.lanes.values()) this.pump(l);
        else this.pump(lane);
      },
    };
  }

  snapshot(): LimiterSnapshot {
    const queued: Record<string, number> = {};
    for (const [t, l] of this.lanes) queued[t] = l.queue.length;
    return {
      inFlight: Object.fromEntries(this.inFlight),
      maxInFlight: Object.fromEntries(this.stats.maxInFlight),
      queued,
      windowWaits: this.stats.windowWaits,
      parkedRejections: this.stats.parkedRejections,
    };
  }
}
