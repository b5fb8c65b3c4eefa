import type { WindowLimitSpec } from './limits-spec.ts';

/**
 * Which work a call is for. 'interactive': payments back and webhook follow-ups, which someone is
 * waiting to see land; 'bulk': first syncs, backfills and scheduled catch-up. When both wait for
 * the same allowance, interactive calls go first (in the limiter's queue and in the shared budget).
 */
export type CallClass = 'interactive' | 'bulk';

/** One call to reserve under the window allowances of one system. */
export interface BudgetRequest {
  system: string;
  /** The organisation / tenant the call is for. */
  tenant: string;
  callClass: CallClass;
  now: number;
  /** Each window with the key it is counted under: the app key (app scope) or the tenant. */
  windows: ReadonlyArray<{ spec: WindowLimitSpec; key: string }>;
}

export type BudgetAnswer =
  | { granted: true }
  | {
      granted: false;
      /** The window that refused (one of request.windows). */
      window: WindowLimitSpec;
      /** When to ask again (ms since the epoch). */
      retryAt: number;
      /**
       * 'window': its budget is used up; 'reserve': bulk work leaves the last calls of a parking
       * window to interactive work; 'priority': an interactive call waits for it; 'share': this
       * tenant has its fair share of what an app-wide window has left while others ask for it.
       */
      reason: 'window' | 'reserve' | 'priority' | 'share';
    };

/**
 * Window allowances counted outside this process (store/repos/call-budget.ts counts them in the
 * database), so that every process of a deployment draws on one budget. Defined here because http
 * sits below the store (docs/architecture.md).
 */
export interface SharedBudget {
  reserve(request: BudgetRequest): Promise<BudgetAnswer>;
}
