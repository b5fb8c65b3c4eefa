/**
 * Call limits as data: each system's spec (src/systems/<x>/spec.ts) declares them and the limiter
 * (limiter.ts, window-counter.ts) enforces them. Defined here, beside the limiter, because http sits
 * below systems (docs/architecture.md).
 */

/**
 * A call allowance over a time window. `budget` is what we allow ourselves: just under `published`
 * so clock skew between us and the service and calls already in flight never tip us over.
 */
export interface WindowLimitSpec {
  /** Label used in errors, logs and metrics (e.g. "minute", "day", "hour"). */
  name: string;
  /** The vendor's number, kept for documentation and tests. */
  published: number;
  budget: number;
  windowMs: number;
  /** Whose calls share the allowance: one tenant/organisation, or every tenant of this app/devKey. */
  scope: 'tenant' | 'app';
  /**
   * 'rolling': never more than `budget` starts in any `windowMs` span (safe against the vendor's
   * fixed windows whatever their phase). 'clock': counted per calendar window aligned to the epoch
   * (BILL's hourly allowance resets "at the start of the next hour").
   */
  alignment: 'rolling' | 'clock';
  /** 'wait': queue until room frees up (minute limits). 'park': refuse at once with the reset time. */
  onExhaust: 'wait' | 'park';
  /** Which requests count: ordinary API calls, or logins (BILL limits those separately). */
  group: 'api' | 'login';
  /** Vendor doc the number comes from. */
  source: string;
  /**
   * Calls at the end of the window that bulk work (first syncs, backfills) leaves to interactive
   * work (payments back, webhook follow-ups). Default: 5 % of a parking window's budget, none for
   * a waiting one (store/repos/call-budget.ts).
   */
  interactiveReserve?: number;
}

export interface ConcurrencyLimitSpec {
  published: number;
  budget: number;
  scope: 'tenant' | 'app';
  source: string;
}

export interface LimitsSpec {
  concurrency: ConcurrencyLimitSpec;
  windows: readonly WindowLimitSpec[];
}
