import type { WindowLimitSpec } from './limits-spec.ts';

/**
 * Counts call starts against one window allowance. A rolling window keeps the start times of the
 * last `budget` calls, so no span of `windowMs` ever holds more than `budget` starts: that holds
 * whatever phase the vendor's own fixed windows have (Xero's "reset at different times per tenant",
 * https://developer.xero.com/documentation/oauth2/limits). A clock-aligned window counts per
 * calendar slot (BILL's hourly allowance, https://developer.bill.com/docs/api-rate-limits).
 * `park` closes the window until a time the service told us, whatever our own count says.
 */
export class WindowCounter {
  private starts: number[] = [];
  private slotStart = -1;
  private slotCount = 0;
  private parkedUntil = 0;

  constructor(readonly spec: WindowLimitSpec) {}

  private trim(now: number): void {
    if (this.spec.alignment === 'clock') {
      const slot = Math.floor(now / this.spec.windowMs) * this.spec.windowMs;
      if (slot !== this.slotStart) {
        this.slotStart = slot;
        this.slotCount = 0;
      }
      return;
    }
    const horizon = now - this.spec.windowMs;
    let drop = 0;
    while (drop < this.starts.length && this.starts[drop]! <= horizon) drop += 1;
    if (drop > 0) this.starts.splice(0, drop);
  }

  hasRoom(now: number): boolean {
    if (now < this.parkedUntil) return false;
    this.trim(now);
    const used = this.spec.alignment === 'clock' ? this.slotCount : this.starts.length;
    return used < this.spec.budget;
  }

  /** The earliest time a call could start (only meaningful when `hasRoom` is false). */
  nextRoomAt(now: number): number {
    if (now < this.parkedUntil) return this.parkedUntil;
    this.trim(now);
    if (this.spec.alignment === 'clock') return this.slotStart + this.spec.windowMs;
    const oldestThatMustExpire = this.starts[this.starts.length - this.spec.budget] ?? now;
    return oldestThatMustExpire + this.spec.windowMs;
  }

  take(now: number): void {
    this.trim(now);
    if (this.spec.alignment === 'clock') this.slotCount += 1;
    else this.starts.push(now);
  }

  park(untilMs: number): void {
    this.parkedUntil = Math.max(this.parkedUntil, untilMs);
  }

  used(now: number): number {
    this.trim(now);
    return this.spec.alignment === 'clock' ? this.slotCount : this.starts.length;
  }
}
