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
  ) {}

  private current(key: string): { start: number; count: number } {
    const now = this.clock.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, count: 0 };
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
