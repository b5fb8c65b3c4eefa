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

/** Plain counters for one transport; read through `transport.metrics` (a copy). */
export class TransportMetrics {
  private calls = 0;
  private retries = 0;
  private failures = 0;
  private inFlight = 0;
  private inFlightMax = 0;
  private readonly rejections = new Map<string, number>();

  started(): void {
    this.calls += 1;
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
