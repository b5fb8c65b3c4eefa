import type { Clock } from '../../core/clock.ts';
import { ConcurrencyGate, FixedWindowCounter } from '../kit/limits.ts';
import type { EmulatorStats } from '../kit/stats.ts';

/**
 * Xero's API limits (XL, XLF; A3, A8.4): per tenant and app (one app's connection to one
 * organisation) 5 concurrent calls, 60 per minute and 5,000 per day (1,000 on the Starter tier:
 * `dailyLimit`), and 10,000 per minute for the whole app across its tenants. Calls of another app
 * (say the bookkeeper's own tools) never use the connector's allowance. Windows are
 * fixed and start at each tenant's first call. A refused call uses no allowance. Every answer carries
 * the three `X-*-Remaining` headers; a 429 names the limit in `X-Rate-Limit-Problem` and, for the
 * minute and day limits, says when to come back in `Retry-After` (seconds).
 */

export type LimitProblem = 'minute' | 'day' | 'appminute' | 'concurrent';

export const PER_MINUTE = 60;
export const CONCURRENT = 5;
export const APP_PER_MINUTE = 10_000;
export const DEFAULT_DAILY = 5_000;


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
    /** The app whose counters and stats are keyed by the bare tenant id (`xero:<tenantId>`). */
    private readonly primaryClient = '',
  ) {
    this.minute = new FixedWindowCounter(clock, PER_MINUTE, 60_000);
    this.day = new FixedWindowCounter(clock, dailyLimit, 86_400_000);
    this.appMinute = new FixedWindowCounter(clock, appMinuteLimit, 60_000);
  }

  /** Counter key of one app's connection to a tenant; other apps than the primary one get their own. */
  private keyOf(tenantId: string, clientId: string | undefined): string {
    return clientId === undefined || clientId === this.primaryClient ? tenantId : `${tenantId}@${clientId}`;
  }

  /**
   * Admits one call of an app for the tenant or says which limit refused it. An admitted call holds
   * a concurrency slot until `release()`; its in-flight count is tracked in stats as
   * `xero:<tenantId>` (`xero:<tenantId>@<clientId>` for apps other than the primary one).
   */
  admit(tenantId: string, clientId?: string): Admission {
    const key = this.keyOf(tenantId, clientId);
    const app = clientId ?? this.primaryClient;
    const refuse = (problem: LimitProblem, retryAfter?: number): Admission => {
      this.stats.reject(`xero.${problem}`);
      return retryAfter === undefined ? { ok: false, problem } : { ok: false, problem, retryAfter };
    };
    if (this.day.remaining(key) === 0) return refuse('day', this.day.retryAfterSeconds(key));
    if (this.minute.remaining(key) === 0) return refuse('minute', this.minute.retryAfterSeconds(key));
    if (this.appMinute.remaining(app) === 0) return refuse('appminute');
    if (!this.gate.tryEnter(key)) return refuse('concurrent');
    this.day.tryTake(key);
    this.minute.tryTake(key);
    this.appMinute.tryTake(app);
    const scope = `xero:${key}`;
    this.stats.enter(scope);
    if (this.gate.current(key) > CONCURRENT) this.stats.limitViolations += 1;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.gate.leave(key);
        this.stats.leave(scope);
      },
    };
  }

  /** Seconds until the tenant's minute window resets (for injected minute-limit faults). */
  minuteRetryAfter(tenantId: string, clientId?: string): number {
    return this.minute.retryAfterSeconds(this.keyOf(tenantId, clientId));
  }

  headers(tenantId: string | null, clientId?: string): Record<string, string> {
    const h: Record<string, string> = { 'X-AppMinLimit-Remaining': String(this.appMinute.remaining(clientId ?? this.primaryClient)) };
    if (tenantId !== null) {
      const key = this.keyOf(tenantId, clientId);
      h['X-DayLimit-Remaining'] = String(this.day.remaining(key));
      h['X-MinLimit-Remaining'] = String(this.minute.remaining(key));
    }
    return h;
  }
}
