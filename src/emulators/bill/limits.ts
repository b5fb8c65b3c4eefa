import type { Clock } from '../../core/clock.ts';
import { ConcurrencyGate, FixedWindowCounter, SlidingWindowCounter } from '../kit/limits.ts';

const hourMs = 60 * 60 * 1000;

export interface LimitSettings {
  hourlyLimit: number;
  loginLimit: number;
  concurrencyLimit: number;
}

/**
 * BILL's published limits ([BD:api-rate-limits], reference A11 and A14.2/A14.5):
 * - 20,000 requests per devKey per hour, "wait until the start of the next hour" → a clock-hour window;
 * - 200 logins per devKey per hour, counted over a rolling hour (A14.2);
 * - 3 requests in flight per devKey per organisation, the next one refused at once (not queued).
 */
export class BillLimits {
  readonly hourly: FixedWindowCounter;
  readonly login: SlidingWindowCounter;
  readonly gate: ConcurrencyGate;

  constructor(clock: Clock, settings: LimitSettings) {
    this.hourly = new FixedWindowCounter(clock, settings.hourlyLimit, hourMs, true);
    this.login = new SlidingWindowCounter(clock, settings.loginLimit, hourMs);
    this.gate = new ConcurrencyGate(settings.concurrencyLimit);
  }

  static gateKey(devKey: string, organizationId: string): string {
    return `${devKey}|${organizationId}`;
  }
}
