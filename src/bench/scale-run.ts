import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRuntime, type Runtime } from '../app/runtime.ts';
import { createLogger } from '../core/log.ts';
import { linkWorkJob, sendLinkWork } from '../server/contract.ts';
import { startQueue, type Queue } from '../store/queue.ts';
import type { SystemLatency } from './latency.ts';
import { connectScaleOrgs, type BillHourOverride, type ScaleOrg } from './scale-connect.ts';
import { ScaleEmulators } from './scale-emulators.ts';
import { followParked } from './parked-chain.ts';
import { payDuringFirstSyncs, type PaymentFigures } from './scale-payment.ts';
import { startThrowawayPostgres } from './scale-postgres.ts';
import { callsByOrganization, scaleFigures, windowsBetween, type OrgRun, type ScaleFigures } from './scale-report.ts';
import { startWorkers, stopWorkers, type WorkerProcess } from './scale-workers.ts';

export interface ScaleOptions {
  orgs: number;
  workers: number;
  /** Link-work jobs each worker process runs at once (`serve --concurrency`). */
  workerConcurrency: number;
  /** Xero bills and suppliers per firm. */
  bills: number;
  suppliers: number;
  latency: { xero: SystemLatency; bill: SystemLatency };
  /** The compressed hour of BILL's hourly allowance, and the allowance per such hour (the devKey's, across all firms). */
  billHourMs: number;
  billHourly: number;
  /** The connector's budget per compressed hour: the spec's 19,500 of 20,000, in proportion. */
  budget: number;
  seed: number;
  /** Give up on first syncs still running after this long. */
  timeoutMs: number;
}

export interface ScaleReport {
  options: ScaleOptions;
  setupMs: number;
  /** One firm's first sync alone, before the others are queued. */
  soloMs: number;
  /** From queuing the others' first syncs until the last ended. */
  totalMs: number;
  figures: ScaleFigures;
  payment: PaymentFigures;
  billRejections: Record<string, number>;
  xeroRejections: Record<string, number>;
  limitViolations: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The many-organisations run: a throwaway PostgreSQL, the emulators in their own processes, N firms
 * on one BILL developer key, two (or --workers) worker processes. The first firm syncs alone (the
 * uncontended figure, and a firm whose bills are in BILL to pay); then, at the start of a fresh
 * compressed hour, every other firm's first sync is queued at once, and while they run a bill of the
 * first firm is paid in BILL and its webhook follow-up queued; the run ends when every first sync has.
 */
export async function runScaleBench(options: ScaleOptions, say: (line: string) => void): Promise<ScaleReport> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'mlc-bench-scale-'));
  say('starting a throwaway PostgreSQL server');
  const pg = await startThrowawayPostgres();
  let emulators: ScaleEmulators | null = null;
  let rt: Runtime | null = null;
  let queue: Queue | null = null;
  let workers: WorkerProcess[] = [];
  try {
    say(`starting the emulators in their own processes (BILL: ${options.billHourly} calls per ${options.billHourMs / 1000} s "hour" on one devKey)`);
    emulators = await ScaleEmulators.start({ latency: options.latency, seed: options.seed, hourlyLimit: options.billHourly, hourMs: options.billHourMs });
    const masterKey = randomBytes(32).toString('hex');
    const logLevel = process.env.ML_CONNECTOR_LOG_LEVEL ?? 'error';
    rt = await openRuntime({ dataDir, databaseUrl: pg.url, masterKey, log: createLogger({ level: logLevel }) });
    say(`seeding and connecting ${options.orgs} firms (${options.suppliers} suppliers and ${options.bills} bills each in Xero)`);
    const billHour: BillHourOverride = { windows: [{ name: 'hour', windowMs: options.billHourMs, published: options.billHourly, budget: options.budget }] };
    const orgs = await connectScaleOrgs(rt, emulators, { orgs: options.orgs, bills: options.bills, suppliers: options.suppliers, seed: options.seed, billHour });
    queue = await startQueue(rt.db, { jobs: [linkWorkJob] });
    say(`starting ${options.workers} worker processes (${options.workerConcurrency} jobs each) on PostgreSQL`);
    workers = await startWorkers({ count: options.workers, concurrency: options.workerConcurrency, databaseUrl: pg.url, masterKey, apiToken: `mlc_${randomBytes(24).toString('base64url')}`, dataDir, logLevel });
    const services = { db: rt.db, queue };
    const setupMs = Date.now() - started;

    const [payer, ...others] = orgs as [ScaleOrg, ...ScaleOrg[]];
    say(`first sync of ${payer.link} alone`);
    const soloStart = Date.now();
    const soloJob = await sendLinkWork(services, payer, { kind: 'sync', link: payer.link, reason: 'manual' });
    const solo = await waitForJobs(queue, [soloJob!], Date.now() + options.timeoutMs);
    if (solo.get(soloJob!)!.state !== 'completed') throw new Error(`the first sync of ${payer.link} ended ${solo.get(soloJob!)!.state}: ${describeWorkers(workers)}`);
    const soloMs = solo.get(soloJob!)!.seenAt - soloStart;

    // Start on a fresh compressed hour, so the first window is not part-used by setup and the solo sync.
    await sleep(options.billHourMs - (Date.now() % options.billHourMs) + 50);
    const runStart = Date.now();
    say(`queuing ${others.length} first syncs at once`);
    const jobs = new Map<string, ScaleOrg>();
    for (const org of others) {
      const id = await sendLinkWork(services, org, { kind: 'sync', link: org.link, reason: 'manual' });
      if (!id) throw new Error(`the queue refused the first sync of ${org.link}`);
      jobs.set(id, org);
    }
    const queuedAt = Date.now();
    const deadline = runStart + options.timeoutMs;
    let running = jobs.size;
    const payment = payDuringFirstSyncs({ db: rt.db, queue, emulators, payer, budget: options.budget, hourMs: options.billHourMs, runStart, deadline, running: () => running, say });
    const ended = await waitForJobs(queue, [...jobs.keys()], deadline, (done, all) => {
      running = all - done;
      if (done % 5 === 0 || done === all) say(`  ${done} of ${all} first syncs ended (${((Date.now() - runStart) / 1000).toFixed(0)} s)`);
    });
    const paid = await payment;
    const runEnd = Math.max(...[...ended.values()].map((e) => e.seenAt));

    const allowance = await emulators.allowance();
    const windows = windowsBetween(allowance.windows, runStart, runEnd);
    const calls = callsByOrganization(allowance.windows, runStart, runEnd);
    const startedAt = await firstRunStarts(rt, others.map((o) => o.link), runStart);
    const runCounts = await runsOf(rt, others.map((o) => o.link), runStart);
    const orgRuns: OrgRun[] = [...jobs].map(([id, org]) => {
      const e = ended.get(id)!;
      const begun = startedAt.get(org.link);
      return {
        link: org.link, billOrgId: org.billOrgId, queuedMs: queuedAt - runStart,
        startedMs: begun === undefined ? null : begun - runStart,
        finishedMs: e.state === 'completed' ? e.seenAt - runStart : null,
        state: e.state, calls: calls.get(org.billOrgId) ?? 0,
        runs: begun === undefined ? 0 : (runCounts.get(org.link)?.runs ?? 0), stoppedAtLimit: runCounts.get(org.link)?.stoppedAtLimit ?? 0,
      };
    });
    const figures = scaleFigures({ orgs: orgRuns, windows, budget: options.budget, windowMs: options.billHourMs, soloMs });
    const [billStats, xeroStats] = await Promise.all([emulators.stats('bill'), emulators.stats('xero')]);
    const failed = orgRuns.filter((o) => o.state !== 'completed');
    if (failed.length > 0) say(`${failed.length} first syncs did not complete (${failed.map((o) => `${o.link}: ${o.state}`).join(', ')}); worker logs end: ${describeWorkers(workers)}`);
    return {
      options, setupMs, soloMs, totalMs: runEnd - runStart, figures, payment: paid,
      billRejections: billStats.rejections, xeroRejections: xeroStats.rejections, limitViolations: billStats.limitViolations + xeroStats.limitViolations,
    };
  } finally {
    await stopWorkers(workers).catch(() => undefined);
    await queue?.stop({ timeoutMs: 2000 }).catch(() => undefined);
    await rt?.close().catch(() => undefined);
    await emulators?.stop().catch(() => undefined);
    pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Polls the jobs (through their parkings) until each is completed, failed or cancelled, or the deadline passes ('unfinished'); notes when each was seen ending, and tells `progress` each time more have. */
async function waitForJobs(queue: Queue, ids: readonly string[], deadline: number, progress?: (done: number, all: number) => void): Promise<Map<string, { state: string; seenAt: number }>> {
  const seen = new Map<string, { state: string; seenAt: number }>();
  let reported = -1;
  while (seen.size < ids.length) {
    const now = Date.now();
    for (const id of ids) {
      if (seen.has(id)) continue;
      // Work parked at a used-up allowance is done only when the job that resumes it has ended.
      const work = await followParked(queue, id);
      if (work.ended) seen.set(id, { state: work.state, seenAt: now });
    }
    if (progress && seen.size !== reported) {
      reported = seen.size;
      progress(seen.size, ids.length);
    }
    if (seen.size < ids.length && Date.now() > deadline) {
      for (const id of ids) if (!seen.has(id)) seen.set(id, { state: 'unfinished', seenAt: Date.now() });
      break;
    }
    await sleep(250);
  }
  return seen;
}

/** When each link's first run of the contended part began (epoch ms). */
async function firstRunStarts(rt: Runtime, links: readonly string[], since: number): Promise<Map<string, number>> {
  const { rows } = await rt.db.query<{ link: string; started: Date }>('select link, min(started_at) as started from runs where link = any($1::text[]) and started_at >= $2 group by link', [links, new Date(since)]);
  return new Map(rows.map((r) => [r.link, new Date(r.started).getTime()]));
}

/** How many runs each link made in the contended part, and how many of them stopped at a call allowance (to be retried by the queue). */
async function runsOf(rt: Runtime, links: readonly string[], since: number): Promise<Map<string, { runs: number; stoppedAtLimit: number }>> {
  const { rows } = await rt.db.query<{ link: string; runs: string; limited: string }>(
    "select link, count(*) as runs, count(*) filter (where error_code in ('MLC_ERR_DAILY_LIMIT', 'MLC_ERR_RATE_LIMITED')) as limited from runs where link = any($1::text[]) and started_at >= $2 group by link",
    [links, new Date(since)],
  );
  return new Map(rows.map((r) => [r.link, { runs: Number(r.runs), stoppedAtLimit: Number(r.limited) }]));
}

function describeWorkers(workers: readonly WorkerProcess[]): string {
  return workers.map((w) => `[worker ${w.pid}] ${w.tail().slice(-600)}`).join('\n');
}
