import type { Clock } from '../../core/clock.ts';
import { ConcurrencyGate, FixedWindowCounter, SlidingWindowCounter } from '../kit/limits.ts';

const hourMs = 60 * 60 * 1000;

export interface LimitSettings {
  hourlyLimit: number;
  /** Length of the "hour" of the hourly allowance (default one hour; a test knob, see options.ts). */
  hourMs?: number;
  loginLimit: number;
  concurrencyLimit: number;
}

/** One window of a devKey's hourly allowance as the emulator counted it (`GET /_emulator/allowance`). */
export interface AllowanceWindow {
  startMs: number;
  endMs: number;
  limit: number;
  /** Requests the window admitted (logins included). */
  taken: number;
  /** Requests refused with BDC_1144 because the window was full. */
  refused: number;
  /** Admitted API requests by organisation (logins are not gated per organisation, so they are only in `taken`). */
  byOrganization: Record<string, number>;
}

/** Windows kept per devKey: enough for any run; older ones are dropped first. */
const keptWindows = 10_000;

/**
 * The hourly allowance, also keeping what each window admitted and refused, so a run can show
 * the key's use per window across all organisations (the bench's many-organisations mode).
 */
class HourlyAllowance extends FixedWindowCounter {
  private readonly history = new Map<string, AllowanceWindow[]>();

  constructor(private readonly clockRef: Clock, limit: number, windowMs: number) {
    super(clockRef, limit, windowMs, true);
  }

  window(devKey: string): AllowanceWindow {
    const now = this.clockRef.now();
    const startMs = now - (now % this.windowMs);
    let list = this.history.get(devKey);
    if (!list) this.history.set(devKey, (list = []));
    let w = list.at(-1);
    if (!w || w.startMs !== startMs) {
      w = { startMs, endMs: startMs + this.windowMs, limit: this.limit, taken: 0, refused: 0, byOrganization: {} };
      list.push(w);
      if (list.length > keptWindows) list.shift();
    }
    return w;
  }

  override tryTake(devKey: string): boolean {
    const ok = super.tryTake(devKey);
    const w = this.window(devKey);
    if (ok) w.taken += 1;
    else w.refused += 1;
    return ok;
  }

  view(): Record<string, AllowanceWindow[]> {
    return Object.fromEntries([...this.history].map(([key, list]) => [key, list.map((w) => ({ ...w, byOrganization: { ...w.byOrganization } }))]));
  }
}

/** The per-organisation gate, which also attributes each admitted request to its organisation's window. */
class AttributingGate extends ConcurrencyGate {
  constructor(limit: number, private readonly allowance: HourlyAllowance) {
    super(limit);
  }

  override tryEnter(key: string): boolean {
    // The pipeline asks the gate only after the allowance admitted the request (pipeline.ts admit).
    const cut = key.lastIndexOf('|');
    const devKey = key.slice(0, cut);
    const organizationId = key.slice(cut + 1);
    const w = this.allowance.window(devKey);
    w.byOrganization[organizationId] = (w.byOrganization[organizationId] ?? 0) + 1;
    return super.tryEnter(key);
  }
}

/**
 * BILL's published limits ([BD:api-rate-limits], reference A11 and A14.2/A14.5):
 * - 20,000 requests per devKey per hour, "wait until the start of the next hour" → a clock-hour window;
 * - 200 logins per devKey per hour, counted over a rolling hour (A14.2);
 * - 3 requests in flight per devKey per organisation, the next one refused at once (not queued).
 * `hourMs` shortens the hour of the request allowance only (a test knob: a bench cannot wait an
 * hour for the allowance to bind and reset); the login allowance keeps the real hour.
 */
export class BillLimits {
  readonly hourly: FixedWindowCounter;
  readonly login: SlidingWindowCounter;
  readonly gate: ConcurrencyGate;
  private readonly allowance: HourlyAllowance;

  constructor(clock: Clock, settings: LimitSettings) {
    this.allowance = new HourlyAllowance(clock, settings.hourlyLimit, settings.hourMs ?? hourMs);
    this.hourly = this.allowance;
    this.login = new SlidingWindowCounter(clock, settings.loginLimit, hourMs);
    this.gate = new AttributingGate(settings.concurrencyLimit, this.allowance);
  }

  /** Each devKey's allowance windows so far, oldest first. */
  allowanceView(): Record<string, AllowanceWindow[]> {
    return this.allowance.view();
  }

  static gateKey(devKey: string, organizationId: string): string {
    return `${devKey}|${organizationId}`;
  }
}
