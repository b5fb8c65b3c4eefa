import { connectionLimits } from '../app/systems/limits.ts';
import { estimateQueued, type Eta, type RunStats, type SystemAllowance, type WindowUsage } from '../engine/eta.ts';
import type { Link } from '../model/link.ts';
import { systemDisplayNames, type SystemId } from '../model/types.ts';
import type { Db } from '../store/db.ts';
import { budgetUsage } from '../store/repos/call-budget.ts';
import { getConnection } from '../store/repos/connections.ts';
import { systemSpecs } from '../systems/registry.ts';

/**
 * Where a connection's windows stand across every process: the shared call count in the database
 * (store/repos/call-budget.ts), per tenant for the tenant's windows and under the app key its
 * calls were last counted under for the app-wide ones (BILL's developer key, whose hash is all the
 * table keeps). A window with no count yet has its whole budget.
 */
export type BudgetSource = (db: Db, connection: { system: string; tenantId: string }) => Promise<WindowUsage[]>;

export const sharedCallCount: BudgetSource = async (db, { system, tenantId }) => {
  const { rows } = await db.query<{ scope_key: string }>(
    "select scope_key from call_budget where system = $1 and tenant = $2 and scope_key like 'app:%' order by bucket desc limit 1",
    [system, tenantId],
  );
  const keys = [tenantId, ...rows.map((r) => r.scope_key)];
  return (await Promise.all(keys.map((key) => budgetUsage(db, { system, key })))).flat();
};

/** The limits each side of the link runs under (the connection's own override included) and their windows' usage. */
export async function linkAllowances(db: Db, link: Link, budget: BudgetSource = sharedCallCount): Promise<SystemAllowance[]> {
  const out: SystemAllowance[] = [];
  for (const id of [link.erpConnectionId, link.billConnectionId]) {
    const c = await getConnection(db, id);
    const spec = c ? systemSpecs[c.system as SystemId] : undefined;
    if (!c || !spec) continue;
    const limits = c.config.limits === undefined || c.config.limits === null ? spec.limits : connectionLimits(spec, c.id, c.config.limits);
    out.push({ system: c.system, limits, usage: c.tenant_id ? await budget(db, { system: c.system, tenantId: c.tenant_id }) : [] });
  }
  return out;
}

/** The stats kept with the link's latest finished run of this kind (worker/progress.ts saves them), or null. */
export async function previousStats(db: Db, link: string, kind: string): Promise<RunStats | null> {
  const { rows } = await db.query<{ stats: RunStats | null }>(
    `select progress->'stats' as stats from runs
     where link = $1 and kind = $2 and dry_run = false and status in ('succeeded', 'partial') and progress ? 'stats'
     order by finished_at desc nulls last limit 1`,
    [link, kind],
  );
  return rows[0]?.stats ?? null;
}

/** Whether the link has never finished a sync: its next one is its first (and usually its largest). */
export async function isFirstSync(db: Db, link: string): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from runs where link = $1 and kind = 'sync' and dry_run = false and status in ('succeeded', 'partial')", [link]);
  return (rows[0]?.n ?? 0) === 0;
}

/** The ETA kept on a running run's progress (worker/progress.ts writes it), if any. */
export function runningEta(progress: Record<string, unknown> | null): Eta | null {
  const eta = progress?.eta;
  return eta && typeof eta === 'object' && typeof (eta as Eta).finishAt === 'string' ? (eta as Eta) : null;
}

/** A queued run of the link: as long as its previous run of the kind, starting once the running one ends. */
export async function queuedEta(db: Db, link: Link, kind: string, after: Eta | null, budget?: BudgetSource): Promise<Eta> {
  const now = Date.now();
  const startAt = after ? Math.max(now, new Date(after.finishAt).getTime()) : now;
  return estimateQueued(await previousStats(db, link.name, kind), await linkAllowances(db, link, budget), now, startAt);
}

/** "≈ 40 s", "≈ 4 min", "≈ 1 h 20 min". */
export function roughDuration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `≈ ${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `≈ ${min} min`;
  return `≈ ${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

const name = (system: string) => systemDisplayNames[system as SystemId] ?? system;
const windowWords = (w: string) => (w === 'day' ? "today's" : `this ${w}'s`);

/**
 * The ETA in plain words: "first sync ≈ 4 min left (until 14:32 UTC), 9 % of this hour's BILL budget".
 * `what` names the work ("first sync", "sync", "replay").
 */
export function etaText(eta: Eta, what: string, state: 'running' | 'queued'): string {
  const until = new Date(eta.finishAt).toISOString().slice(11, 16);
  // A queued run that waits for others ahead of it (or for a window's reset) says when it starts.
  const startsLater = new Date(eta.startAt).getTime() - new Date(eta.estimatedAt).getTime() >= 1000;
  const starts = startsLater ? `starts about ${new Date(eta.startAt).toISOString().slice(11, 16)} UTC, ` : '';
  const time = state === 'running' ? `${roughDuration(eta.remainingMs)} left (until about ${until} UTC)` : `${roughDuration(eta.durationMs)} once started (${starts}done about ${until} UTC)`;
  const shares = eta.shares.filter((s) => s.calls > 0).map((s) => `${s.percent < 1 ? '< 1' : Math.round(s.percent)} % of ${windowWords(s.window)} ${name(s.system)} budget`);
  const wait = eta.waitsFor ? `, waits for ${name(eta.waitsFor.system)}'s ${eta.waitsFor.window} allowance to reset at ${eta.waitsFor.until.slice(11, 19)} UTC` : '';
  const guess = eta.basis === 'default' ? ' (a guess: no earlier run to go by)' : '';
  return `${what} ${time}${shares.length ? `, ${shares.join(', ')}` : ''}${wait}${guess}`;
}

/** How people call a run's kind: a link's first sync is named so. */
export async function workName(db: Db, link: string, kind: string): Promise<string> {
  return kind === 'sync' && (await isFirstSync(db, link)) ? 'first sync' : kind;
}
