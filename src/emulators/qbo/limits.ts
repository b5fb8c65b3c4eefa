import type { Clock } from '../../core/clock.ts';
import { ConcurrencyGate, FixedWindowCounter } from '../kit/limits.ts';
import type { EmulatorStats } from '../kit/stats.ts';

/**
 * QBO's throttling (B3, B8.4): 500 requests a minute per realm (batch calls included) and 10
 * requests in flight per realm and app; beyond either, 429 Fault 3001 with no Retry-After header.
 * Batch calls also count against 40 a minute per realm and app and 120 a minute per realm. The
 * per-minute windows start at a realm's first call (Intuit's window alignment is UNVERIFIED).
 */
export interface QboLimitOptions {
  perMinute?: number;
  concurrent?: number;
  batchPerMinutePerApp?: number;
  batchPerMinute?: number;
}

export class QboLimits {
  readonly minute: FixedWindowCounter;
  readonly gate: ConcurrencyGate;
  private readonly batchPerApp: FixedWindowCounter;
  private readonly batchPerRealm: FixedWindowCounter;

  constructor(
    clock: Clock,
    private readonly stats: EmulatorStats,
    opts: QboLimitOptions,
  ) {
    this.minute = new FixedWindowCounter(clock, opts.perMinute ?? 500, 60_000);
    this.gate = new ConcurrencyGate(opts.concurrent ?? 10);
    this.batchPerApp = new FixedWindowCounter(clock, opts.batchPerMinutePerApp ?? 40, 60_000);
    this.batchPerRealm = new FixedWindowCounter(clock, opts.batchPerMinute ?? 120, 60_000);
  }

  /** Whether one more batch call fits in both batch allowances (counted only when it does). */
  admitBatch(realmId: string, clientId: string): boolean {
    const key = `${realmId}|${clientId}`;
    if (this.batchPerApp.remaining(key) === 0 || this.batchPerRealm.remaining(realmId) === 0) {
      this.stats.reject('batch');
      return false;
    }
    this.batchPerApp.tryTake(key);
    this.batchPerRealm.tryTake(realmId);
    return true;
  }

  admit(realmId: string, clientId: string): { ok: true; release(): void } | { ok: false } {
    const key = `${realmId}|${clientId}`;
    if (!this.gate.tryEnter(key)) {
      this.stats.reject('concurrent');
      return { ok: false };
    }
    if (!this.minute.tryTake(realmId)) {
      this.gate.leave(key);
      this.stats.reject('minute');
      return { ok: false };
    }
    this.stats.enter(key);
    return {
      ok: true,
      release: () => {
        this.gate.leave(key);
        this.stats.leave(key);
      },
    };
  }
}
