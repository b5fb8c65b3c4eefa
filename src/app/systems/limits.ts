import { z } from 'zod';
import { ConnectorError } from '../../core/errors.ts';
import { Limiter, realTimers } from '../../http/limiter.ts';
import type { LimitsSpec, WindowLimitSpec } from '../../http/limits-spec.ts';
import type { Db } from '../../store/db.ts';
import { appBudgetKey, databaseBudget } from '../../store/repos/call-budget.ts';
import type { SystemSpec } from '../../systems/types.ts';

const count = z.number().int().positive();
const windowFields = {
  published: count,
  budget: count,
  windowMs: count,
  scope: z.enum(['tenant', 'app']),
  alignment: z.enum(['rolling', 'clock']),
  onExhaust: z.enum(['wait', 'park']),
  group: z.enum(['api', 'login']),
  source: z.string().min(1),
};

/**
 * A connection's own call limits (connections.config.limits), over its system's spec: Acumatica's
 * limits come from the customer's licence, and a Xero app on the starter tier has a lower daily
 * allowance. Partial: the concurrency fields given replace the spec's; a window replaces the fields
 * it gives of the spec's window with the same name, and a window of a new name must be whole.
 */
export const limitsOverrideSchema = z
  .object({
    concurrency: z.object({ published: count, budget: count, scope: windowFields.scope, source: windowFields.source }).partial().strict().optional(),
    windows: z.array(z.object({ name: z.string().min(1), ...windowFields }).partial().required({ name: true }).strict()).optional(),
  })
  .strict();
export type LimitsOverride = z.infer<typeof limitsOverrideSchema>;

const wholeWindow = z.object({ name: z.string().min(1), ...windowFields });

/** The spec's limits with the override applied (see limitsOverrideSchema). */
export function applyLimits(base: LimitsSpec, override: LimitsOverride): LimitsSpec {
  const windows: WindowLimitSpec[] = base.windows.map((w) => ({ ...w }));
  for (const o of override.windows ?? []) {
    const i = windows.findIndex((w) => w.name === o.name);
    if (i >= 0) windows[i] = { ...windows[i]!, ...(o as Partial<WindowLimitSpec>) };
    else {
      const whole = wholeWindow.safeParse(o);
      if (!whole.success) throw new Error(`window '${o.name}' is not one of the system's (${base.windows.map((w) => w.name).join(', ')}), so it needs every field: ${whole.error.issues.map((x) => x.path.join('.')).join(', ')}`);
      windows.push(whole.data);
    }
  }
  return { concurrency: { ...base.concurrency, ...override.concurrency }, windows };
}

/** Where a limiter counts its windows across processes: the database, under the app's identity. */
export interface SharedBudgetOptions {
  db: Db;
  /**
   * What the vendor counts app-wide calls by: BILL's developer key, Xero's client id. Hashed
   * before it is stored (appBudgetKey). Absent: every connection of the system shares one key.
   */
  appIdentity?: string;
}

/**
 * One limiter per system and app identity per process, shared by every client, so per-tenant and
 * per-organisation limits hold however many links touch the same tenant. With a database, each
 * call's window allowances are reserved there too (store/repos/call-budget.ts), so every process of
 * the deployment draws on one budget: BILL's hour per developer key across all organisations and
 * workers, Xero's minute and day per tenant across CLI runs and workers. Concurrency stays per
 * process: a link runs in one process at a time under its lease. A connection with its own limits
 * gets a limiter of its own, kept while its override stays the same: its app-wide windows then
 * count the connections of its app identity under the same override, which is what a per-instance
 * licence (Acumatica: one identity per instance) and one BILL developer key with its own allowance mean.
 */
const processWide = new Map<string, Limiter>();
const byDatabase = new WeakMap<Db, Map<string, Limiter>>();
const perConnection = new Map<string, { override: string; db: Db | undefined; limiter: Limiter }>();

export function limiterFor(spec: Pick<SystemSpec, 'id' | 'limits'>, connection: { id: string; config: Record<string, unknown> }, budget?: SharedBudgetOptions): Limiter {
  const raw = connection.config.limits;
  if (raw === undefined || raw === null) {
    const appKey = appBudgetKey(budget?.appIdentity ?? 'any');
    const cache = budget ? (byDatabase.get(budget.db) ?? new Map<string, Limiter>()) : processWide;
    if (budget) byDatabase.set(budget.db, cache);
    const key = budget ? appKey : spec.id;
    let limiter = cache.get(key);
    if (!limiter) cache.set(key, (limiter = new Limiter(spec.id, spec.limits, realTimers, budget ? { budget: databaseBudget(budget.db), appKey } : undefined)));
    return limiter;
  }
  const key = `${spec.id}:${connection.id}`;
  const text = JSON.stringify(raw);
  const kept = perConnection.get(key);
  if (kept?.override === text && kept.db === budget?.db) return kept.limiter;
  // Connections of one app identity under the same limits draw on one budget (BILL organisations on
  // one developer key with a lowered or shortened hour); a connection without an identity counts alone.
  const shared = budget ? { budget: databaseBudget(budget.db), appKey: appBudgetKey(budget.appIdentity ? `${budget.appIdentity}|limits:${text}` : `connection:${connection.id}`) } : undefined;
  const limiter = new Limiter(spec.id, connectionLimits(spec, connection.id, raw), realTimers, shared);
  perConnection.set(key, { override: text, db: budget?.db, limiter });
  return limiter;
}

/** The limits a connection runs under; a bad override is a configuration error naming the field. */
export function connectionLimits(spec: Pick<SystemSpec, 'limits'>, connectionId: string, raw: unknown): LimitsSpec {
  const parsed = limitsOverrideSchema.safeParse(raw);
  const refuse = (why: string) => new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `connection '${connectionId}' has limits that cannot be used: ${why}` });
  if (!parsed.success) throw refuse(parsed.error.issues.map((i) => `${i.path.join('.') || 'limits'}: ${i.message}`).join('; '));
  try {
    return applyLimits(spec.limits, parsed.data);
  } catch (e) {
    throw refuse(e instanceof Error ? e.message : String(e));
  }
}
