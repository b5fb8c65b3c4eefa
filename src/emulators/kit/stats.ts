/**
 * What `/_emulator/stats` reports: calls per endpoint, the most requests ever in flight at once per
 * tenant or organisation, and how many requests each limit rejected.
 */
export interface StatsSnapshot {
  callsByEndpoint: Record<string, number>;
  totalCalls: number;
  inFlight: Record<string, number>;
  maxInFlight: Record<string, number>;
  rejections: Record<string, number>;
  /** Requests that passed every limit although a limit should have stopped them; always 0 unless a bug. */
  limitViolations: number;
  faultsInjected: Record<string, number>;
  webhooks: { attempted: number; delivered: number; failed: number; dropped: number };
}

export class EmulatorStats {
  private callsByEndpoint = new Map<string, number>();
  private totalCalls = 0;
  private inFlight = new Map<string, number>();
  private maxInFlight = new Map<string, number>();
  private rejections = new Map<string, number>();
  private faults = new Map<string, number>();
  private callObservers = new Set<(endpoint: string) => void>();
  limitViolations = 0;
  readonly webhooks = { attempted: 0, delivered: 0, failed: 0, dropped: 0 };

  countCall(endpoint: string): void {
    this.totalCalls += 1;
    this.callsByEndpoint.set(endpoint, (this.callsByEndpoint.get(endpoint) ?? 0) + 1);
    for (const observer of this.callObservers) observer(endpoint);
  }

  /**
   * Calls `observer` synchronously as each API request arrives, before it is processed, for code
   * running in the emulator's own process (crash tests kill a client the moment its Nth write
   * arrives, so the write is applied while its answer goes nowhere). Returns the unsubscribe.
   */
  onCall(observer: (endpoint: string) => void): () => void {
    this.callObservers.add(observer);
    return () => this.callObservers.delete(observer);
  }

  enter(scope: string): void {
    const n = (this.inFlight.get(scope) ?? 0) + 1;
    this.inFlight.set(scope, n);
    if (n > (this.maxInFlight.get(scope) ?? 0)) this.maxInFlight.set(scope, n);
  }

  leave(scope: string): void {
    this.inFlight.set(scope, Math.max(0, (this.inFlight.get(scope) ?? 0) - 1));
  }

  reject(limit: string): void {
    this.rejections.set(limit, (this.rejections.get(limit) ?? 0) + 1);
  }

  fault(kind: string): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  snapshot(): StatsSnapshot {
    return {
      callsByEndpoint: Object.fromEntries(this.callsByEndpoint),
      totalCalls: this.totalCalls,
      inFlight: Object.fromEntries(this.inFlight),
      maxInFlight: Object.fromEntries(this.maxInFlight),
      rejections: Object.fromEntries(this.rejections),
      limitViolations: this.limitViolations,
      faultsInjected: Object.fromEntries(this.faults),
      webhooks: { ...this.webhooks },
    };
  }

  reset(): void {
    this.callsByEndpoint.clear();
    this.totalCalls = 0;
    this.maxInFlight = new Map(this.inFlight);
    this.rejections.clear();
    this.faults.clear();
    this.limitViolations = 0;
    Object.assign(this.webhooks, { attempted: 0, delivered: 0, failed: 0, dropped: 0 });
  }
}
