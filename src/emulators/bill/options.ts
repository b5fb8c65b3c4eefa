import type { EmulatorContext, EmulatorOptions } from '../kit/base.ts';
import type { BillLimits } from './limits.ts';
import type { SeedInput } from './seed.ts';
import type { BillState } from './state.ts';
import type { BillWebhooks } from './webhooks.ts';

/** How list ends are shown; the real representation is unverified (A9, A13), so it is switchable. */
export type ListEndStyle = 'omit' | 'null' | 'empty';

export interface BillEmulatorOptions extends EmulatorOptions {
  /** Most bills per `POST /v3/bills/bulk` (default 200, the live reference; the Nov-2025 collection says 100). */
  bulkBillsCap?: number;
  /**
   * HTTP status for BDC_1322 and BDC_1144. BILL documents the codes but not the status (A11); third
   * parties report a 4xx that is not 429, so the default is 400. Run the connector against 429 too.
   */
  rateLimitStatus?: number;
  /** The same for the events base, where [BD:webhook-api-error-responses] documents 429 (default 429). */
  eventsRateLimitStatus?: number;
  /** HTTP status for BDC_1109 (default 401, implied by [BD:common-api-error-codes]; A14.3 asks for a switch). */
  sessionInvalidStatus?: number;
  /** Requests per devKey per clock hour (default 20,000). Lower it to test BDC_1144 without 20,000 calls. */
  hourlyLimit?: number;
  /**
   * Length of the "hour" of that allowance in ms (default 3,600,000). A test knob, not BILL's
   * behaviour: a bench compresses the hour so the allowance binds and resets within a run.
   */
  hourMs?: number;
  /** Logins per devKey per rolling hour (default 200). */
  loginLimit?: number;
  /** Requests in flight per devKey and organisation (default 3). */
  concurrencyLimit?: number;
  /** Whether lists include archived records when no `archived` filter is given (default true; unverified, A14.8). */
  listArchived?: boolean;
  /** How `nextPage`/`prevPage` look past the ends of a list (default 'omit'). */
  listEndStyle?: ListEndStyle;
  /** `paymentStatus` of a bill paid in part (default 'PARTIAL'; unverified, A5). */
  partialPaymentStatus?: string;
  /** A webhook attempt slower than this fails (default 10,000 ms, A12). */
  webhookTimeoutMs?: number;
  /** Extra developer keys accepted at login besides the sandbox key. */
  devKeys?: string[];
  /** Counts for the organisation created at start (same fields as `POST /_emulator/seed`). */
  initialSeed?: Omit<SeedInput, 'seed'>;
}

export interface ResolvedOptions {
  bulkBillsCap: number;
  rateLimitStatus: number;
  eventsRateLimitStatus: number;
  sessionInvalidStatus: number;
  hourlyLimit: number;
  hourMs: number;
  loginLimit: number;
  concurrencyLimit: number;
  listArchived: boolean;
  listEndStyle: ListEndStyle;
  partialPaymentStatus: string;
  webhookTimeoutMs: number;
  devKeys: ReadonlySet<string>;
  /** 35 minutes without a call ends a session ([BR:login], A2). */
  sessionIdleMs: number;
}

export function resolveOptions(opts: BillEmulatorOptions, sandboxDevKey: string): ResolvedOptions {
  if (opts.hourMs !== undefined && (!Number.isInteger(opts.hourMs) || opts.hourMs < 1000)) throw new RangeError(`hourMs must be a whole number of ms, at least 1000, got ${opts.hourMs}`);
  return {
    bulkBillsCap: opts.bulkBillsCap ?? 200,
    rateLimitStatus: opts.rateLimitStatus ?? 400,
    eventsRateLimitStatus: opts.eventsRateLimitStatus ?? 429,
    sessionInvalidStatus: opts.sessionInvalidStatus ?? 401,
    hourlyLimit: opts.hourlyLimit ?? 20_000,
    hourMs: opts.hourMs ?? 60 * 60 * 1000,
    loginLimit: opts.loginLimit ?? 200,
    concurrencyLimit: opts.concurrencyLimit ?? 3,
    listArchived: opts.listArchived ?? true,
    listEndStyle: opts.listEndStyle ?? 'omit',
    partialPaymentStatus: opts.partialPaymentStatus ?? 'PARTIAL',
    webhookTimeoutMs: opts.webhookTimeoutMs ?? 10_000,
    devKeys: new Set([sandboxDevKey, ...(opts.devKeys ?? [])]),
    sessionIdleMs: 35 * 60 * 1000,
  };
}

/** What every route module needs. */
export interface BillDeps {
  ctx: EmulatorContext;
  state: BillState;
  options: ResolvedOptions;
  limits: BillLimits;
  webhooks: BillWebhooks;
}
