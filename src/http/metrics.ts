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

  /** With a system name, every count is also added to the process-wide totals of that system. */
  constructor(system?: string) {
    if (system === undefined) return;
    let totals = processTotals.get(system);
    if (!totals) processTotals.set(system, (totals = { calls: 0, rejections: {} }));
    this.totals = totals;
  }

  started(): void {
    this.calls += 1;
    if (this.totals) this.totals.calls += 1;
    this.inFlight += 1;
    if (this.inFlight > this.inFlightMax) this.inFlightMax = this.inFlight;
  }

  finished(): void {
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
