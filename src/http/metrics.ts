import { AsyncLocalStorage } from 'node:async_hooks';
import type { LimiterSnapshot } from './limiter.ts';

export interface TransportMetricsSnapshot {
  /** HTTP attempts sent (first tries and retries). */
  calls: number;
  /** Attempts that were repeats (backoff retries and the one retry after a credential renewal). */
  retries: number;
  /** Requests that finally failed (thrown to the caller). */
  failures: number;
  /** Failed attempts by reason: the error code without MLC_ERR_, lower case (rate_limited, server, network…). */
  rejections: Record<string, number>;
  inFlight: number;
  inFlightMax: number;
  limiter: LimiterSnapshot | undefined;
}

/** Calls and failed attempts of every transport in this process, per system (the server's /metrics). */
export interface ProcessHttpTotals {
  calls: number;
  rejections: Record<string, number>;
}

const processTotals = new Map<string, ProcessHttpTotals>();

/** A copy of this process's totals per system since it started. */
export function processHttpTotals(): Record<string, ProcessHttpTotals> {
  return Object.fromEntries([...processTotals].map(([system, t]) => [system, { calls: t.calls, rejections: { ...t.rejections } }]));
}

/** Plain counters for one transport; read through `transport.metrics` (a copy). */
export class TransportMetrics {
  private calls = 0;
  private retries = 0;
  private failures = 0;
  private inFlight = 0;
  private inFlightMax = 0;
  private readonly rejections = new Map<string, number>();
  private readonly totals: ProcessHttpTotals | undefined;
  private readonly system: string;

  /** With a system name, every count is also added to the process-wide totals of that system. */
  constructor(system?: string) {
    this.system = system ?? 'unknown';
    if (system === undefined) return;
    let totals = processTotals.get(system);
    if (!totals) processTotals.set(system, (totals = { calls: 0, rejections: {} }));
    this.totals = totals;
  }

  started(): void {
    meterStore.getStore()?.started(this.system, Date.now());
    this.calls += 1;
    if (this.totals) this.totals.calls += 1;
    this.inFlight += 1;
    if (this.inFlight > this.inFlightMax) this.inFlightMax = this.inFlight;
  }

  finished(): void {
    meterStore.getStore()?.finished(this.system, Date.now());
    this.inFlight -= 1;
  }

  retried(): void {
    this.retries += 1;
  }

  failed(): void {
    this.failures += 1;
  }

  rejected(reason: string): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1);
    if (this.totals) this.totals.rejections[reason] = (this.totals.rejections[reason] ?? 0) + 1;
  }

  snapshot(limiter: LimiterSnapshot | undefined): TransportMetricsSnapshot {
    return {
      calls: this.calls,
      retries: this.retries,
      failures: this.failures,
      rejections: Object.fromEntries(this.rejections),
      inFlight: this.inFlight,
      inFlightMax: this.inFlightMax,
      limiter,
    };
  }
}

/** One system's calls as a CallMeter saw them. */
export interface CallTally {
  calls: number;
  /** Time spent waiting on answers, summed over calls (limiter waits excluded: the slot is taken first). */
  busyMs: number;
  /** Start times (epoch ms) of the most recent calls, oldest first, for counting calls in a window. */
  recentStarts: number[];
}

const keptStarts = 20_000;

/**
 * Counts the calls made inside `withCallMeter(meter, …)` (every async continuation of it), per
 * system, so a run can learn its own calls and latencies while other runs share the process and
 * its transports. The sum of answer times needs no pairing of starts and ends: Σend − Σstart.
 * A meter with a parent adds every call to the parent as well (a step's calls within its run's).
 */
export class CallMeter {
  private readonly bySystem = new Map<string, { calls: number; startSum: number; endSum: number; open: number; starts: number[] }>();
  private open = 0;
  private activeSince = 0;
  private activeSum = 0;
  private firstAt: number | null = null;

  constructor(private readonly parent?: CallMeter) {}

  private of(system: string) {
    let t = this.bySystem.get(system);
    if (!t) this.bySystem.set(system, (t = { calls: 0, startSum: 0, endSum: 0, open: 0, starts: [] }));
    return t;
  }

  started(system: string, at: number): void {
    const t = this.of(system);
    t.calls += 1;
    t.open += 1;
    t.startSum += at;
    t.starts.push(at);
    if (t.starts.length > keptStarts * 2) t.starts.splice(0, t.starts.length - keptStarts);
    if (this.open++ === 0) this.activeSince = at;
    this.firstAt ??= at;
    this.parent?.started(system, at);
  }

  finished(system: string, at: number): void {
    const t = this.of(system);
    t.open -= 1;
    t.endSum += at;
    if (--this.open === 0) this.activeSum += at - this.activeSince;
    this.parent?.finished(system, at);
  }

  /** Wall time with at least one call in flight (the rest is spent computing, in the database, or waiting for a limit). */
  activeMs(now = Date.now()): number {
    return this.activeSum + (this.open > 0 ? now - this.activeSince : 0);
  }

  /** When the first call started, or null before any. */
  firstStartAt(): number | null {
    return this.firstAt;
  }

  /** Per system: calls started, and the answer time of those finished (calls still open counted up to `now`). */
  snapshot(now = Date.now()): Record<string, CallTally> {
    return Object.fromEntries([...this.bySystem].map(([system, t]) => [system, {
      calls: t.calls, busyMs: Math.max(0, t.endSum + t.open * now - t.startSum), recentStarts: t.starts.slice(-keptStarts),
    }]));
  }
}

const meterStore = new AsyncLocalStorage<CallMeter>();

/** Runs `fn` with its calls counted by `meter` (see CallMeter). */
export function withCallMeter<T>(meter: CallMeter, fn: () => T): T {
  return meterStore.run(meter, fn);
}
