import { createHash } from 'node:crypto';
import type { WindowLimitSpec } from '../../http/limits-spec.ts';
import type { BudgetAnswer, BudgetRequest, SharedBudget } from '../../http/shared-budget.ts';
import type { Db } from '../db.ts';
import { insideTransactionOf } from '../tx-context.ts';

/**
 * Window allowances counted in the database (migration 0006), so every process sharing it draws on
 * one budget: BILL's 20,000 calls an hour per developer key across all organisations and workers,
 * Xero's 60 a minute and 5,000 a day per tenant (https://developer.bill.com/docs/api-rate-limits,
 * https://developer.xero.com/documentation/oauth2/limits). One statement per call
 * (mlc_reserve_call) reserves it under all its windows at once, or tells when to ask again.
 */

/** Buckets per rolling window: the window counts one bucket more than its span (1/60 of it). */
export const rollingBuckets = 60;

/** A tenant that asked for an app-wide window within this long counts in its fair share. */
export const activeMs = 30_000;

/**
 * The key an app-wide window is counted under: a hash of the app's identity (BILL developer key,
 * Xero client id), so the developer key, a secret, is never stored or shown. The same identity
 * gives the same key in every process.
 */
export function appBudgetKey(appIdentity: string): string {
  return `app:${createHash('sha256').update(appIdentity).digest('hex').slice(0, 16)}`;
}

/** Calls of a parking window (hour, day) that bulk work leaves to interactive work: 5 % unless the spec says. */
export function interactiveReserve(spec: WindowLimitSpec): number {
  return spec.interactiveReserve ?? (spec.onExhaust === 'park' ? Math.ceil(spec.budget / 20) : 0);
}

export function bucketMs(spec: WindowLimitSpec): number {
  return spec.alignment === 'clock' ? spec.windowMs : Math.max(1, Math.floor(spec.windowMs / rollingBuckets));
}

export async function reserveCall(db: Db, request: BudgetRequest): Promise<BudgetAnswer> {
  const w = request.windows;
  const { rows } = await db.query<{ granted: boolean; blocked: number; retry_at: number; reason: string | null }>(
    `select granted, blocked, retry_at, reason from mlc_reserve_call($1, $2, $3, $4::bigint, $5::text[], $6::text[], $7::int[], $8::bigint[], $9::bigint[], $10::boolean[], $11::boolean[], $12::int[], $13::bigint)`,
    [
      request.system,
      request.tenant,
      request.callClass === 'interactive',
      Math.floor(request.now),
      w.map((x) => x.key),
      w.map((x) => x.spec.name),
      w.map((x) => x.spec.budget),
      w.map((x) => x.spec.windowMs),
      w.map((x) => bucketMs(x.spec)),
      w.map((x) => x.spec.alignment === 'rolling'),
      w.map((x) => x.spec.scope === 'app'),
      w.map((x) => interactiveReserve(x.spec)),
      activeMs,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('mlc_reserve_call returned no row');
  if (row.granted) return { granted: true };
  const window = w[row.blocked - 1];
  if (!window) throw new Error(`mlc_reserve_call named window ${row.blocked} of ${w.length}`);
  return { granted: false, window: window.spec, retryAt: Number(row.retry_at), reason: row.reason as 'window' | 'reserve' | 'priority' | 'share' };
}

/**
 * The database budget as the limiter's SharedBudget. A call made inside a transaction on this
 * database (BILL's login while a session is renewed under the connection's lock) cannot query it
 * (PGlite has one connection, held by that transaction): it is counted in process only. Logins are
 * few, and BILL's own limit answer still parks them.
 */
export function databaseBudget(db: Db): SharedBudget {
  return { reserve: (request) => (insideTransactionOf(db) ? Promise.resolve({ granted: true }) : reserveCall(db, request)) };
}

export interface WindowUsage {
  window: string;
  /** Calls counted in the window now (every process, every tenant of the key). */
  used: number;
  budget: number;
  /**
   * When room next frees up: a clock-aligned window's end (BILL's next hour); for a rolling window,
   * when its oldest counted calls leave it (Xero's minute and day), or now when it holds none.
   */
  resetsAt: Date;
}

/**
 * How much of each window a key has used, for ETAs. `key` is the app key (appBudgetKey of the
 * BILL developer key or Xero client id) for app-wide windows, or the tenant (BILL organisation id,
 * Xero tenant id) for per-tenant ones. Only windows the key has drawn on are listed: one never
 * used has its whole budget (the system's spec says how much). `now` is for tests.
 */
export async function budgetUsage(db: Db, target: { system: string; key: string }, now: number = Date.now()): Promise<WindowUsage[]> {
  const { rows } = await db.query<{ window_name: string; bucket: number; used: number; budget: number; window_ms: number; bucket_ms: number; rolling: boolean }>(
    `select window_name, bucket, sum(used)::int as used, max(budget)::int as budget, max(window_ms) as window_ms, max(bucket_ms) as bucket_ms, bool_or(rolling) as rolling
       from call_budget where system = $1 and scope_key = $2
      group by window_name, bucket order by window_name, bucket`,
    [target.system, target.key],
  );
  const byWindow = new Map<string, typeof rows>();
  for (const r of rows) byWindow.set(r.window_name, [...(byWindow.get(r.window_name) ?? []), r]);
  const out: WindowUsage[] = [];
  for (const [window, buckets] of byWindow) {
    const latest = buckets[buckets.length - 1]!;
    const windowMs = Number(latest.window_ms);
    const size = Number(latest.bucket_ms);
    const cur = Math.floor(now / size) * size;
    const lookback = latest.rolling ? windowMs + size : windowMs;
    const live = buckets.filter((b) => Number(b.bucket) > cur - lookback && b.used > 0);
    const used = live.reduce((n, b) => n + b.used, 0);
    const resetsAt = latest.rolling ? (live.length > 0 ? Number(live[0]!.bucket) + lookback : now) : cur + windowMs;
    out.push({ window, used, budget: latest.budget, resetsAt: new Date(resetsAt) });
  }
  return out;
}
