import type { Eta, SystemAllowance } from '../engine/eta.ts';
import { estimateQueued } from '../engine/eta.ts';
import type { Link } from '../model/link.ts';
import type { Db } from '../store/db.ts';
import type { Queue } from '../store/queue.ts';
import { getLink } from '../store/repos/links.ts';
import { linkWorkJob, linkWorkKey, type LinkWork } from './contract.ts';
import { etaText, linkAllowances, previousStats, runningEta, workName, type BudgetSource } from './eta.ts';

/**
 * When each piece of work will be done, running or waiting, for the CLI's status, the API and the
 * dashboard. Work on links of one BILL organisation runs one job at a time under the organisation's
 * key (contract.ts), in pg-boss's order: highest priority first, then oldest, among the jobs whose
 * start time has come. So a waiting job starts when the one ahead of it under its key ends, or at
 * its own start time if that is later (a run parked until a window resets); it then takes as long
 * as its link's previous run of the kind (engine/eta.ts estimateQueued).
 */
export interface WorkEta {
  state: 'running' | 'queued';
  link: string;
  /** The run's kind, or the job's kind of work (reconcile has no run). */
  kind: string;
  runId: string | null;
  jobId: string | null;
  eta: Eta;
  /** The ETA in words: "first sync ≈ 4 min once started (done about 14:32 UTC), 9 % of this hour's BILL budget". */
  text: string;
}

export interface RunningWork {
  id: string;
  link: string;
  kind: string;
  started_at: string;
  progress: Record<string, unknown> | null;
}

export interface WaitingJob {
  id: string;
  work: LinkWork;
  singletonKey: string | null;
  priority: number;
  startAfter: Date;
  createdOn: Date;
}

/** Link-work jobs not yet taken by a worker (created, or waiting for a retry or a window's reset). Jobs whose payload no longer parses are left out. */
export async function waitingJobs(queue: Pick<Queue, 'boss'>): Promise<WaitingJob[]> {
  const jobs = await queue.boss.findJobs<unknown>(linkWorkJob.name, { queued: true });
  const out: WaitingJob[] = [];
  for (const j of jobs) {
    const parsed = linkWorkJob.schema.safeParse(j.data);
    if (parsed.success) out.push({ id: j.id, work: parsed.data, singletonKey: j.singletonKey, priority: j.priority, startAfter: new Date(j.startAfter), createdOn: new Date(j.createdOn) });
  }
  return out;
}

/** The kind of run a piece of work makes (worker/handler.ts). */
const runKindOf = (w: LinkWork): string => (w.kind === 'reconcile' ? 'reconcile' : w.kind === 'replay' ? 'replay' : w.kind === 'records' ? 'records' : 'sync');

/** pg-boss's fetch order among jobs due: priority high to low, then oldest first. */
const fetchOrder = (a: WaitingJob, b: WaitingJob): number => b.priority - a.priority || a.createdOn.getTime() - b.createdOn.getTime() || a.id.localeCompare(b.id);

/**
 * The ETAs of the running runs and the waiting jobs given (every one of them, or those of a few links),
 * running ones first, then waiting ones in the order they are expected to start.
 */
export async function workEtas(db: Db, running: readonly RunningWork[], waiting: readonly WaitingJob[], budget?: BudgetSource, now = Date.now()): Promise<WorkEta[]> {
  const links = new Map<string, Link | null>();
  const linkOf = async (name: string): Promise<Link | null> => {
    if (!links.has(name)) links.set(name, await getLink(db, name));
    return links.get(name)!;
  };
  const allowances = new Map<string, SystemAllowance[]>();
  const allowancesOf = async (link: Link): Promise<SystemAllowance[]> => {
    if (!allowances.has(link.name)) allowances.set(link.name, await linkAllowances(db, link, budget));
    return allowances.get(link.name)!;
  };
  const keyOf = async (link: Link | null): Promise<string | null> => (link ? linkWorkKey(db, link) : null);

  const out: WorkEta[] = [];
  // When each key's current work ends: the running run's ETA, or now.
  const freeAt = new Map<string, number>();
  for (const r of running) {
    const link = await linkOf(r.link);
    const what = await workName(db, r.link, r.kind);
    // A run that has not written its first progress yet is estimated as a queued one starting now.
    const eta = runningEta(r.progress) ?? (link ? estimateQueued(await previousStats(db, r.link, r.kind), await allowancesOf(link), now) : null);
    if (!eta) continue;
    out.push({ state: 'running', link: r.link, kind: r.kind, runId: r.id, jobId: null, eta, text: etaText(eta, what, 'running') });
    const key = await keyOf(link);
    if (key) freeAt.set(key, Math.max(freeAt.get(key) ?? now, new Date(eta.finishAt).getTime()));
  }

  const byKey = new Map<string, WaitingJob[]>();
  for (const j of waiting) {
    const key = j.singletonKey ?? `job:${j.id}`;
    byKey.set(key, [...(byKey.get(key) ?? []), j]);
  }
  for (const [key, jobs] of byKey) {
    let at = freeAt.get(key) ?? now;
    const left = [...jobs];
    while (left.length > 0) {
      // None due when the key frees up: the next start is when the first comes due.
      const startAt = Math.max(at, Math.min(...left.map((j) => j.startAfter.getTime())));
      const next = left.filter((j) => j.startAfter.getTime() <= startAt).sort(fetchOrder)[0]!;
      left.splice(left.indexOf(next), 1);
      const link = await linkOf(next.work.link);
      if (!link) continue;
      const kind = runKindOf(next.work);
      const eta = estimateQueued(await previousStats(db, link.name, kind), await allowancesOf(link), now, startAt);
      const what = kind === 'reconcile' ? 'reconciliation' : await workName(db, link.name, kind);
      out.push({ state: 'queued', link: link.name, kind, runId: null, jobId: next.id, eta, text: etaText(eta, what, 'queued') });
      at = new Date(eta.finishAt).getTime();
    }
  }
  return out;
}

/** The runs running now, oldest first. */
export async function runningWork(db: Db): Promise<RunningWork[]> {
  return (await db.query<RunningWork>("select id, link, kind, started_at::text as started_at, progress from runs where status = 'running' order by started_at")).rows;
}

/**
 * Every running run and waiting job with its ETA, or those of one link. Work of other links on the
 * same BILL organisation is still counted ahead of the link's own: it holds the key first.
 */
export async function currentWorkEtas(db: Db, queue: Pick<Queue, 'boss'>, only?: { link?: string | undefined }, budget?: BudgetSource): Promise<WorkEta[]> {
  const [running, waiting] = await Promise.all([runningWork(db), waitingJobs(queue)]);
  const all = await workEtas(db, running, waiting, budget);
  return only?.link ? all.filter((w) => w.link === only.link) : all;
}
