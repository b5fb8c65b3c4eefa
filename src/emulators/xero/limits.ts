import type { Clock } from '../../core/clock.ts';
import { ConcurrencyGate, FixedWindowCounter } from '../kit/limits.ts';
import type { EmulatorStats } from '../kit/stats.ts';

/**
 * Xero's API limits (XL, XLF; A3, A8.4): per tenant 5 concurrent calls, 60 per minute and 5,000 per
 * day (1,000 on the Starter tier: `dailyLimit`), and 10,000 per minute for the whole app. Windows are
 * fixed and start at each tenant's first call. A refused call uses no allowance. Every answer carries
 * the three `X-*-Remaining` headers; a 429 names the limit in `X-Rate-Limit-Problem` and, for the
 * minute and day limits, says when to come back in `Retry-After` (seconds).
 */

export type LimitProblem = 'minute' | 'day' | 'appminute' | 'concurrent';

export const PER_MINUTE = 60;
export const CONCURRENT = 5;
export const APP_PER_MINUTE = 10_000;
export const DEFAULT_DAILY = 5_000;

const APP_KEY = 'app';

export type Admission = { ok: true; release: () => void } | { ok: false; problem: LimitProblem; retryAfter?: number };

export class XeroLimits {
  readonly minute: FixedWindowCounter;
  readonly day: FixedWindowCounter;
  readonly appMinute: FixedWindowCounter;
  readonly gate = new ConcurrencyGate(CONCURRENT);

  constructor(
    clock: Clock,
    private readonly stats: EmulatorStats,
    dailyLimit: number,
    appMinuteLimit: number = APP_PER_MINUTE,
  ) {
    this.minute = new FixedWindowCounter(clock, PER_MINUTE, 60_000);
    this.day = new FixedWindowCounter(clock, dailyLimit, 86_400_000);
    this.appMinute = new FixedWindowCounter(clock, appMinuteLimit, 60_000);
  }

  /**
   * Admits one call for the tenant or says which limit refused it. An admitted call holds a
   * concurrency slot until `release()`; its in-flight count is tracked in stats as `xero:<tenantId>`.
   */
  admit(tenantId: string): Admission {
    const refuse = (problem: LimitProblem, retryAfter?: number): Admission => {
      this.stats.reject(`xero.${problem}`);
      return retryAfter === undefined ? { ok: false, problem } : { ok: false, problem, retryAfter };
    };
    if (this.day.remaining(tenantId) === 0) return refuse('day', this.day.retryAfterSeconds(tenantId));
    if (this.minute.remaining(tenantId) === 0) return refuse('minute', this.minute.retryAfterSeconds(tenantId));
    if (this.appMinute.remaining(APP_KEY) === 0) return refuse('appminute');
    if (!this.gate.tryEnter(tenantId)) return refuse('concurrent');
    this.day.tryTake(tenantId);
    this.minute.tryTake(tenantId);
    this.appMinute.tryTake(APP_KEY);
    const scope = `xero:${tenantId}`;
    this.stats.enter(scope);
    if (this.gate.current(tenantId) > CONCURRENT) this.stats.limitViolations += 1;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.gate.leave(tenantId);
        this.stats.leave(scope);
      },
    };
  }

  /** Seconds until the tenant's minute window resets (for injected minute-limit faults). */
  minuteRetryAfter(tenantId: string): number {
    return this.minute.retryAfterSeconds(tenantId);
  }

  headers(tenantId: string | null): Record<string, string> {
    const h: Record<string, string> = { 'X-AppMinLimit-Remaining': String(this.appMinute.remaining(APP_KEY)) };
    if (tenantId !== null) {
      h['X-DayLimit-Remaining'] = String(this.day.remaining(tenantId));
      h['X-MinLimit-Remaining'] = String(this.minute.remaining(tenantId));
    }
    return h;
  }
}
