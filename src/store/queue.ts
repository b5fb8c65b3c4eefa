import { PgBoss, fromPglite, type Db as BossDb, type JobResult, type JobWithMetadata } from 'pg-boss';
import type { z } from 'zod';
import { redactText } from '../core/redact.ts';
import type { Logger } from '../core/log.ts';
import { silentLogger } from '../core/log.ts';
import { backendOf } from './backend.ts';
import type { Db } from './db.ts';
import { getJob, registeredJobs, type JobDefinition } from './jobs.ts';
import { insideTransactionOf } from './tx-context.ts';

export { defineJob, registeredJobs, type JobDefinition, type JobOptions } from './jobs.ts';

/**
 * The job queue: pg-boss 12.35 on the same database as everything else, so jobs commit and roll
 * back with the data they describe and no second service is needed. On PGlite it shares the
 * embedded instance through pg-boss's fromPglite adapter (`backend: 'pglite'`); on PostgreSQL it
 * opens its own small pool from the same URL. Both use pg-boss's own schema (`pgboss`).
 */
export interface QueueOptions {
  /** Jobs to create queues for (default: every job defined so far). */
  jobs?: readonly JobDefinition[];
  /** How often idle workers poll, in seconds (pg-boss minimum 0.5; default 0.5). */
  pollingIntervalSeconds?: number;
  /**
   * How often queue statistics and the set of busy singleton keys are refreshed, in seconds
   * (default 5). A worker skips keys it knows are busy; until it learns of one, a waiting job of a
   * busy key at the head of the queue makes its fetch come back empty, so this bounds how long
   * other keys can wait behind it.
   */
  statsIntervalSeconds?: number;
  /** Connections for pg-boss's own pool on PostgreSQL (default 4). */
  poolSize?: number;
  /**
   * Run pg-boss's cron timekeeper in this instance, so stored schedules (boss.schedule) send their
   * jobs (default false). Any number of instances may: they take turns through a claim row.
   */
  schedule?: boolean;
  logger?: Logger;
}

export interface SendOptions {
  /** With a 'singleton' or 'stately' queue, at most one job per key runs at a time (use the link name). */
  singletonKey?: string;
  retryLimit?: number;
  retryDelay?: number;
  retryBackoff?: boolean;
  retryDelayMax?: number;
  expireInSeconds?: number;
  startAfter?: number | string | Date;
  priority?: number;
  /** Insert the job inside this transaction: it exists only if the transaction commits. */
  tx?: Db;
}

export interface JobContext {
  readonly id: string;
  readonly name: string;
  /** 0 on the first attempt. */
  readonly retryCount: number;
  readonly retryLimit: number;
  readonly singletonKey: string | null;
  /** Aborted when the job expires or the queue stops. */
  readonly signal: AbortSignal;
}

export type JobHandler<S extends z.ZodType> = (payload: z.output<S>, job: JobContext) => Promise<unknown>;

export interface WorkOptions {
  /** Jobs of this name run at once in this process (default 1). */
  localConcurrency?: number;
  pollingIntervalSeconds?: number;
  /** Only jobs of at least this priority (a worker kept for urgent work). */
  minPriority?: number;
}

export interface DeadLetter {
  /** Id of the job in the dead-letter queue. */
  readonly id: string;
  /** Job name it failed under. */
  readonly job: string;
  /** Id of the original job. */
  readonly sourceId: string | null;
  readonly singletonKey: string | null;
  readonly data: unknown;
  /** The last failure, as recorded by the worker (redacted). */
  readonly error: unknown;
  readonly retryCount: number | null;
  readonly deadLetteredAt: Date;
}

/** Thrown by a handler for a failure that retrying cannot fix: the job is dead-lettered at once. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

export interface Queue {
  readonly boss: PgBoss;
  send<S extends z.ZodType>(job: JobDefinition<S>, payload: z.input<S>, options?: SendOptions): Promise<string | null>;
  send(name: string, payload: unknown, options?: SendOptions): Promise<string | null>;
  work<S extends z.ZodType>(job: JobDefinition<S>, handler: JobHandler<S>, options?: WorkOptions): Promise<string>;
  work(name: string, handler: JobHandler<z.ZodType>, options?: WorkOptions): Promise<string>;
  /** Jobs whose retries ran out, newest first, across every queue this instance knows. */
  listDeadLetters(): Promise<DeadLetter[]>;
  /** Moves dead letters of one job back to its queue; returns how many moved. */
  redriveDeadLetters(job: JobDefinition | string): Promise<number>;
  /** Stops polling, waits up to timeoutMs for running handlers, and closes pg-boss's own pool. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/** pg-boss's transaction hook: a db with executeSql, passed as the `db` option of send(). */
function txAdapter(tx: Db): BossDb {
  return { executeSql: (text: string, values?: unknown[]) => tx.query(text, values ?? []) };
}

function describeFailure(e: unknown): { name: string; code?: string; message: string } {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: unknown }).code;
  return { name: err.name, ...(typeof code === 'string' ? { code } : {}), message: redactText(err.message) };
}

function resolve(job: JobDefinition | string): JobDefinition {
  return typeof job === 'string' ? getJob(job) : job;
}

export async function startQueue(db: Db, opts: QueueOptions = {}): Promise<Queue> {
  const logger = opts.logger ?? silentLogger;
  const jobs = opts.jobs ?? registeredJobs();
  const backend = backendOf(db);
  const polling = opts.pollingIntervalSeconds ?? 0.5;
  const statsInterval = opts.statsIntervalSeconds ?? 5;
  const common = {
    // Without schedules, skip the timekeeper and its clock checks at start.
    schedule: opts.schedule ?? false,
    monitorIntervalSeconds: statsInterval,
    queueCacheIntervalSeconds: statsInterval,
  };
  const boss =
    backend.kind === 'pglite'
      ? new PgBoss({ ...common, db: fromPglite(backend.pglite), backend: 'pglite' })
      : new PgBoss({
          ...common,
          connectionString: backend.connectionString,
          max: opts.poolSize ?? 4,
          application_name: 'ml-connector-queue',
        });
  // pg-boss reports background failures (polling, maintenance) as 'error' events; an EventEmitter
  // without an 'error' listener would throw them at the process instead.
  boss.on('error', (err) => logger.error({ err: redactText(err.message) }, 'job queue error'));
  boss.on('warning', (w) => logger.warn({ warning: w.message }, 'job queue warning'));
  const started = Date.now();
  await boss.start();

  const known = new Map<string, JobDefinition>();
  for (const def of jobs) {
    await ensureQueues(boss, def);
    known.set(def.name, def);
  }
  // Load the queue cache now, so that send({ tx }) never needs a query outside the transaction
  // (on PGlite such a query would wait for the transaction to end, i.e. forever).
  for (const def of jobs) {
    await boss.findJobs(def.name, { id: '00000000-0000-0000-0000-000000000000' });
  }
  logger.debug({ ms: Date.now() - started, queues: jobs.length }, 'job queue started');

  const defOf = (job: JobDefinition | string): JobDefinition => {
    const def = resolve(job);
    if (!known.has(def.name)) throw new Error(`job '${def.name}' was defined after the queue started; pass it in startQueue({ jobs })`);
    return def;
  };

  const send = async (job: JobDefinition | string, payload: unknown, options: SendOptions = {}) => {
    const def = defOf(job);
    const parsed = def.schema.safeParse(payload);
    if (!parsed.success) {
      throw new Error(`invalid payload for job '${def.name}': ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
    }
    const { tx, ...rest } = options;
    if (!tx && insideTransactionOf(db)) {
      throw new Error(`send('${def.name}') inside a transaction must pass { tx } so the job commits with it`);
    }
    return boss.send(def.name, parsed.data as object, { ...rest, ...(tx ? { db: txAdapter(tx) } : {}) });
  };

  const work = (job: JobDefinition | string, handler: JobHandler<z.ZodType>, options: WorkOptions = {}) => {
    const def = defOf(job);
    const workOptions = {
      batchSize: 1,
      includeMetadata: true,
      perJobResults: true,
      localConcurrency: options.localConcurrency ?? 1,
      pollingIntervalSeconds: options.pollingIntervalSeconds ?? polling,
      ...(options.minPriority !== undefined ? { minPriority: options.minPriority } : {}),
    } as const;
    return boss.work<unknown, unknown, typeof workOptions>(def.name, workOptions, async (batch: JobWithMetadata<unknown>[]) => {
      const results: JobResult[] = [];
      for (const j of batch) results.push(await runOne(def, handler, j, logger));
      return results;
    });
  };

  const listDeadLetters = async (): Promise<DeadLetter[]> => {
    const out: DeadLetter[] = [];
    for (const def of known.values()) {
      const rows = await boss.findJobs<unknown>(def.deadLetter);
      for (const r of rows) {
        out.push({
          id: r.id,
          job: r.sourceName ?? def.name,
          sourceId: r.sourceId,
          singletonKey: r.singletonKey,
          data: r.data,
          error: r.sourceOutput,
          retryCount: r.sourceRetryCount,
          deadLetteredAt: r.createdOn,
        });
      }
    }
    return out.sort((a, b) => b.deadLetteredAt.getTime() - a.deadLetteredAt.getTime());
  };

  return {
    boss,
    send: send as Queue['send'],
    work: work as Queue['work'],
    listDeadLetters,
    redriveDeadLetters: (job) => boss.redrive(defOf(job).deadLetter),
    stop: (options = {}) => boss.stop({ graceful: true, close: true, timeout: options.timeoutMs ?? 10_000 }),
  };
}

/** Dead letters of a started queue (the same as queue.listDeadLetters()). */
export function listDeadLetters(queue: Queue): Promise<DeadLetter[]> {
  return queue.listDeadLetters();
}

async function ensureQueues(boss: PgBoss, def: JobDefinition): Promise<void> {
  const o = def.options;
  if (!(await boss.getQueue(def.deadLetter))) {
    // Dead letters wait for a person; keep them a month instead of the default 14 days.
    await boss.createQueue(def.deadLetter, { policy: 'standard', retentionSeconds: 30 * 24 * 3600 });
  }
  const settings = {
    retryLimit: o.retryLimit,
    retryDelay: o.retryDelay,
    retryBackoff: o.retryBackoff,
    retryDelayMax: o.retryDelayMax,
    expireInSeconds: o.expireInSeconds,
    deadLetter: def.deadLetter,
  };
  const existing = await boss.getQueue(def.name);
  if (!existing) {
    await boss.createQueue(def.name, { policy: o.policy, ...settings });
    return;
  }
  if (existing.policy !== o.policy) {
    throw new Error(`queue '${def.name}' exists with policy '${existing.policy}' but the job defines '${o.policy}'; pg-boss cannot change a queue's policy`);
  }
  await boss.updateQueue(def.name, settings);
}

async function runOne(def: JobDefinition, handler: JobHandler<z.ZodType>, j: JobWithMetadata<unknown>, logger: Logger): Promise<JobResult> {
  const parsed = def.schema.safeParse(j.data);
  if (!parsed.success) {
    logger.error({ job: def.name, id: j.id }, 'job payload does not match its schema; dead-lettered');
    return { id: j.id, status: 'deadletter', output: { name: 'InvalidPayload', message: parsed.error.message } };
  }
  const ctx: JobContext = {
    id: j.id,
    name: def.name,
    retryCount: j.retryCount,
    retryLimit: j.retryLimit,
    singletonKey: j.singletonKey,
    signal: j.signal,
  };
  try {
    const output = await handler(parsed.data, ctx);
    return { id: j.id, status: 'completed', output: output && typeof output === 'object' ? output : undefined };
  } catch (e) {
    const failure = describeFailure(e);
    const permanent = e instanceof PermanentJobError;
    logger.warn({ job: def.name, id: j.id, retryCount: j.retryCount, permanent, error: failure.message }, 'job failed');
    return { id: j.id, status: permanent ? 'deadletter' : 'failed', output: failure };
  }
}
