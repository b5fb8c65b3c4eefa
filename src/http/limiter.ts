import { ConnectorError } from '../core/errors.ts';
import { currentCallClass } from './call-class.ts';
import type { LimitsSpec, WindowLimitSpec } from './limits-spec.ts';
import type { CallClass, SharedBudget } from './shared-budget.ts';
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
  callClass: CallClass;
  resolve: (p: Permit) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  done: boolean;
}

interface Lane {
  tenant: string;
  queue: Waiter[];
  counters: WindowCounter[];
  timer: (() => void) | undefined;
  /** A waiter whose shared-budget reservation is on its way (one at a time per lane, in order). */
  reserving: Waiter | undefined;
}

export interface LimiterSnapshot {
  inFlight: Record<string, number>;
  maxInFlight: Record<string, number>;
  queued: Record<string, number>;
  /** How many times a waiter had to wait for a window to free up. */
  windowWaits: number;
  /** Requests refused because a day/hour allowance was parked or used up. */
  parkedRejections: number;
  /** Times the shared budget asked a call to wait, by reason (window, priority, share). */
  sharedWaits: Record<string, number>;
}

/** Window allowances counted across processes, and the key app-wide windows count under. */
export interface SharedLimits {
  budget: SharedBudget;
  /** Key of the app identity (store/repos/call-budget.ts appBudgetKey); never the secret itself. */
  appKey: string;
}

/**
 * Limiter for one system and app identity, keyed by tenant (Xero tenant, BILL organisation): a
 * concurrency cap, rolling or clock-aligned call windows that either make callers wait (minute
 * limits) or refuse them at once with the reset time (day/hour limits: the caller parks its work
 * instead of spinning). Numbers come from the system's spec data. Waiting is FIFO per tenant within
 * a call class, interactive calls (payments back, webhook follow-ups) ahead of bulk ones.
 *
 * With `shared`, every window allowance is also reserved in the shared budget (the database)
 * before a call starts, so processes together stay within it; the in-process counters then only
 * spare a round trip when this process alone has used a window up. Concurrency caps stay in
 * process: a link runs in one process at a time under its lease, and the vendor's 429 / BDC_1322
 * answers are still retried should two links of one tenant overlap.
 */
export class Limiter {
  private readonly lanes = new Map<string, Lane>();
  private readonly appCounters: WindowCounter[];
  private readonly inFlight = new Map<string, number>();
  private appInFlight = 0;
  private readonly stats = { maxInFlight: new Map<string, number>(), windowWaits: 0, parkedRejections: 0, sharedWaits: new Map<string, number>() };

  constructor(
    readonly system: string,
    private readonly limits: LimitsSpec,
    private readonly timers: LimiterTimers = realTimers,
    private readonly shared?: SharedLimits,
  ) {
    this.appCounters = limits.windows.filter((w) => w.scope === 'app').map((w) => new WindowCounter(w));
  }

  private lane(tenant: string): Lane {
    let lane = this.lanes.get(tenant);
    if (!lane) {
      const counters = this.limits.windows.filter((w) => w.scope === 'tenant').map((w) => new WindowCounter(w));
      lane = { tenant, queue: [], counters, timer: undefined, reserving: undefined };
      this.lanes.set(tenant, lane);
    }
    return lane;
  }

  private countersFor(lane: Lane, group: LimitGroup): WindowCounter[] {
    return [...lane.counters, ...this.appCounters].filter((c) => c.spec.group === group);
  }

  private parkedError(lane: Lane, spec: WindowLimitSpec, resetAt: number, now: number): ConnectorError {
    this.stats.parkedRejections += 1;
    const who = spec.scope === 'app' ? 'this app' : `tenant ${lane.tenant}`;
    return new ConnectorError({
      code: 'MLC_ERR_DAILY_LIMIT',
      system: this.system,
      message: `${this.system}: the ${spec.name} allowance for ${who} (${spec.published} calls, we use ${spec.budget}) is used up until ${new Date(resetAt).toISOString()}. The work done so far is kept and resumes from there then: the server queues it again for that time; from the command line, sync again then.`,
      retryAfterMs: Math.max(0, resetAt - now),
    });
  }

  private concurrencyFree(tenant: string): boolean {
    const c = this.limits.concurrency;
    return c.scope === 'app' ? this.appInFlight < c.budget : (this.inFlight.get(tenant) ?? 0) < c.budget;
  }

  /**
   * Waits for a slot under every applicable limit. Rejects at once with MLC_ERR_DAILY_LIMIT
   * (retryAfterMs = time to reset) when a parking allowance is exhausted. The call's class is the
   * one its work runs under (call-class.ts) unless given.
   */
  acquire(tenant: string, group: LimitGroup = 'api', signal?: AbortSignal, callClass: CallClass = currentCallClass()): Promise<Permit> {
    const lane = this.lane(tenant);
    const now = this.timers.now();
    const parked = this.countersFor(lane, group).find((c) => c.spec.onExhaust === 'park' && !c.hasRoom(now));
    if (parked) return Promise.reject(this.parkedError(lane, parked.spec, parked.nextRoomAt(now), now));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = { group, callClass, resolve, reject, signal, onAbort: undefined, done: false };
      if (signal) {
        waiter.onAbort = () => {
          const i = lane.queue.indexOf(waiter);
          if (i >= 0) lane.queue.splice(i, 1);
          this.finish(waiter, () => reject(signal.reason));
          this.pump(lane);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.enqueue(lane, waiter, false);
      this.pump(lane);
    });
  }

  /** Interactive waiters go after the interactive ones already queued and before every bulk one. */
  private enqueue(lane: Lane, w: Waiter, front: boolean): void {
    const firstBulk = lane.queue.findIndex((x) => x.callClass === 'bulk');
    if (w.callClass === 'interactive') lane.queue.splice(front ? 0 : firstBulk < 0 ? lane.queue.length : firstBulk, 0, w);
    else if (front) lane.queue.splice(firstBulk < 0 ? lane.queue.length : firstBulk, 0, w);
    else lane.queue.push(w);
  }

  /** The service said an allowance is used up: refuse this tenant's (or app's) calls until `untilMs`. */
  park(tenant: string, group: LimitGroup, untilMs: number): void {
    for (const c of this.countersFor(this.lane(tenant), group)) if (c.spec.onExhaust === 'park') c.park(untilMs);
  }

  private wakeAt(lane: Lane, at: number, now: number): void {
    lane.timer?.();
    lane.timer = this.timers.schedule(Math.max(1, at - now), () => {
      lane.timer = undefined;
      this.pump(lane);
    });
  }

  private pump(lane: Lane): void {
    if (lane.reserving) return;
    lane.timer?.();
    lane.timer = undefined;
    while (lane.queue.length > 0) {
      const head = lane.queue[0]!;
      const now = this.timers.now();
      const counters = this.countersFor(lane, head.group);
      const parked = counters.find((c) => c.spec.onExhaust === 'park' && !c.hasRoom(now));
      if (parked) {
        lane.queue.shift();
        this.finish(head, () => head.reject(this.parkedError(lane, parked.spec, parked.nextRoomAt(now), now)));
        continue;
      }
      if (!this.concurrencyFree(lane.tenant)) return;
      const full = counters.filter((c) => !c.hasRoom(now));
      if (full.length > 0) {
        this.stats.windowWaits += 1;
        this.wakeAt(lane, Math.max(...full.map((c) => c.nextRoomAt(now))), now);
        return;
      }
      lane.queue.shift();
      if (this.shared && counters.length > 0) {
        this.reserve(lane, head, counters, now);
        return;
      }
      for (const c of counters) c.take(now);
      this.finish(head, () => head.resolve(this.grant(lane)));
    }
  }

  /** Asks the shared budget for the head's call; the lane waits for the answer so order holds. */
  private reserve(lane: Lane, head: Waiter, counters: WindowCounter[], now: number): void {
    const shared = this.shared!;
    lane.reserving = head;
    const windows = counters.map((c) => ({ spec: c.spec, key: c.spec.scope === 'app' ? shared.appKey : lane.tenant }));
    // The slot is held while the answer comes, so the concurrency cap counts this call already.
    const permit = this.grant(lane);
    shared.budget
      .reserve({ system: this.system, tenant: lane.tenant, callClass: head.callClass, now, windows })
      .then(
        (answer) => {
          lane.reserving = undefined;
          const at = this.timers.now();
          if (answer.granted) {
            for (const c of counters) c.take(at);
            if (head.done) permit.release();
            else this.finish(head, () => head.resolve(permit));
            this.pump(lane);
            return;
          }
          permit.release(false);
          const parks = answer.window.onExhaust === 'park' && (answer.reason === 'window' || answer.reason === 'reserve');
          if (parks) {
            // Every call of this window in this process is refused at once until then.
            if (answer.reason === 'window') for (const c of counters) if (c.spec.name === answer.window.name) c.park(answer.retryAt);
            this.finish(head, () => head.reject(this.parkedError(lane, answer.window, answer.retryAt, at)));
            this.pump(lane);
            return;
          }
          this.stats.sharedWaits.set(answer.reason, (this.stats.sharedWaits.get(answer.reason) ?? 0) + 1);
          if (head.done) return this.pump(lane);
          // Back at the front of its class, asked again when the budget said; a waiter that comes
          // in meanwhile pumps the lane (and an interactive one is asked for first).
          this.enqueue(lane, head, true);
          if (lane.queue[0] === head) this.wakeAt(lane, answer.retryAt, at);
          else this.pump(lane);
        },
        (e: unknown) => {
          lane.reserving = undefined;
          permit.release(false);
          this.finish(head, () => head.reject(e));
          this.pump(lane);
        },
      );
  }

  /** Settles a waiter once (an abort may come while its reservation is on its way). */
  private finish(w: Waiter, settle: () => void): void {
    if (w.done) return;
    w.done = true;
    if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
    settle();
  }

  private grant(lane: Lane): Permit & { release(pump?: boolean): void } {
    const n = (this.inFlight.get(lane.tenant) ?? 0) + 1;
    this.inFlight.set(lane.tenant, n);
    this.appInFlight += 1;
    if (n > (this.stats.maxInFlight.get(lane.tenant) ?? 0)) this.stats.maxInFlight.set(lane.tenant, n);
    let released = false;
    return {
      release: (pump = true) => {
        if (released) return;
        released = true;
        this.inFlight.set(lane.tenant, (this.inFlight.get(lane.tenant) ?? 1) - 1);
        this.appInFlight -= 1;
        if (!pump) return;
        // An app-wide cap frees a slot for every tenant; a tenant cap only for this one.
        if (this.limits.concurrency.scope === 'app') for (const l of this.lanes.values()) this.pump(l);
        else this.pump(lane);
      },
    };
  }

  snapshot(): LimiterSnapshot {
    const queued: Record<string, number> = {};
    for (const [t, l] of this.lanes) queued[t] = l.queue.length + (l.reserving ? 1 : 0);
    return {
      inFlight: Object.fromEntries(this.inFlight),
      maxInFlight: Object.fromEntries(this.stats.maxInFlight),
      queued,
      windowWaits: this.stats.windowWaits,
      parkedRejections: this.stats.parkedRejections,
      sharedWaits: Object.fromEntries(this.stats.sharedWaits),
    };
  }
}
