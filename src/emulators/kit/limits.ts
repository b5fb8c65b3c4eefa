import type { Clock } from '../../core/clock.ts';

/**
 * A fixed-window counter per key. Xero documents fixed windows "that reset at different times per
 * tenant", so each key's window starts at its own first call, not on the wall-clock minute.
 */
export class FixedWindowCounter {
  private windows = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly clock: Clock,
    readonly limit: number,
    readonly windowMs: number,
    /**
     * Start windows on multiples of `windowMs` (e.g. the top of the clock hour) instead of at each key's
     * first call. BILL's hourly allowance says "wait until the start of the next hour".
     */
    readonly aligned: boolean = false,
  ) {}

  private current(key: string): { start: number; count: number } {
    const now = this.clock.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: this.aligned ? now - (now % this.windowMs) : now, count: 0 };
      this.windows.set(key, w);
    }
    return w;
  }

  /** Counts a call if it fits; returns false (and counts nothing) when the window is full. */
  tryTake(key: string): boolean {
    const w = this.current(key);
    if (w.count >= this.limit) return false;
    w.count += 1;
    return true;
  }

  remaining(key: string): number {
    return Math.max(0, this.limit - this.current(key).count);
  }

  /** Seconds until the key's window resets (at least 1). */
  retryAfterSeconds(key: string): number {
    const w = this.current(key);
    return Math.max(1, Math.ceil((w.start + this.windowMs - this.clock.now()) / 1000));
  }

  /** Fills the window, as a fault-injection "burst" would. */
  exhaust(key: string): void {
    this.current(key).count = this.limit;
  }
}

/**
 * A rolling window: a call is allowed when fewer than `limit` calls were counted in the last
 * `windowMs`. Used where a limit is stated per "rolling hour" rather than per clock hour.
 */
export class SlidingWindowCounter {
  private calls = new Map<string, number[]>();
  constructor(
    private readonly clock: Clock,
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  private recent(key: string): number[] {
    const cutoff = this.clock.now() - this.windowMs;
    const kept = (this.calls.get(key) ?? []).filter((t) => t > cutoff);
    this.calls.set(key, kept);
    return kept;
  }

  /** Counts a call if it fits; returns false (and counts nothing) when the window is full. */
  tryTake(key: string): boolean {
    const kept = this.recent(key);
    if (kept.length >= this.limit) return false;
    kept.push(this.clock.now());
    return true;
  }

  remaining(key: string): number {
    return Math.max(0, this.limit - this.recent(key).length);
  }
}

/** Requests in flight per key; a request over the cap is refused at once, not queued. */
export class ConcurrencyGate {
  private inFlight = new Map<string, number>();
  constructor(readonly limit: number) {}

  tryEnter(key: string): boolean {
    const n = this.inFlight.get(key) ?? 0;
    if (n >= this.limit) return false;
    this.inFlight.set(key, n + 1);
    return true;
  }

  leave(key: string): void {
    const n = (this.inFlight.get(key) ?? 0) - 1;
    if (n <= 0) this.inFlight.delete(key);
    else this.inFlight.set(key, n);
  }

  current(key: string): number {
    return this.inFlight.get(key) ?? 0;
  }
}
