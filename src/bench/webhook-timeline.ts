import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createLogger, type Logger } from '../core/log.ts';
import type { Db } from '../store/db.ts';
import type { Queue } from '../store/queue.ts';

/**
 * Where a webhook's latency goes, measured rather than guessed: timestamps of the webhook's receipt
 * and of its answer (the follow-up job has committed by then), of each link-work job's pick-up by
 * the worker and its end, of every API call the run makes (the transports' own `answered` log,
 * which carries each call's duration) and of every database statement and transaction of the
 * runtime. One change's timeline is cut from them between the moment it was made and the moment
 * the bench saw it on the other side.
 */
interface Span {
  start: number;
  end: number;
}

interface Call extends Span {
  system: string;
  method: string;
  op: string;
}

export interface ChangeBreakdown {
  /** The change made → its first webhook received (the sender's delivery: Xero batches events for 100 ms). */
  deliveryMs: number;
  /** Webhook received → its transaction committed: signature check, links found, event recorded and the job inserted. */
  receiveMs: number;
  /** Job enqueued → picked up by the worker, of which waiting for another job of the same organisation to end. */
  pickUpMs: number;
  behindOtherJobMs: number;
  /** From the pick-up until the change was seen on the other side, by what the time was spent on (overlaps counted once, in this order). */
  writesMs: number;
  readsMs: number;
  databaseMs: number;
  /** CPU and waits that are none of the above (planning, mapping, limiter, the bench's own 5 ms poll). */
  otherMs: number;
  totalMs: number;
  /** The calls the follow-up made until the change was seen, as "system METHOD op". */
  calls: string[];
}

export class WebhookTimeline {
  private readonly receipts: Span[] = [];
  private readonly jobs: (Span & { kind: string })[] = [];
  private readonly calls: Call[] = [];
  private readonly database: (Span & { sql: string })[] = [];
  private readonly open = new Map<unknown, number>();

  /** A logger that keeps each API call's timing (level debug: the transports log `answered` there). */
  readonly logger: Logger = createLogger({
    level: 'debug',
    format: 'json',
    destination: new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const line of chunk.toString('utf8').split('\n')) this.readLogLine(line);
        done();
      },
    }),
  });

  private readLogLine(line: string): void {
    if (!line.includes('"answered"')) return;
    const o = JSON.parse(line) as { time: number; ms?: number; system?: string; op?: string; request?: string };
    if (typeof o.ms !== 'number') return;
    this.calls.push({ start: o.time - o.ms, end: o.time, system: o.system ?? '?', method: (o.request ?? '').split(' ').find((w) => /^[A-Z]{3,6}$/.test(w)) ?? '?', op: o.op ?? '?' });
  }

  /** Times the server's webhook requests: received (onRequest) to answered (onResponse). */
  watchWebhooks(app: FastifyInstance): void {
    app.addHook('onRequest', async (request) => {
      if (request.url.startsWith('/webhooks/')) this.open.set(request, now());
    });
    app.addHook('onResponse', async (request) => {
      const start = this.open.get(request);
      if (start === undefined) return;
      this.open.delete(request);
      this.receipts.push({ start, end: now() });
    });
  }

  /** The queue with each job's handler timed from its pick-up to its end. */
  watchQueue(queue: Queue): Queue {
    const work = ((job: Parameters<Queue['work']>[0], handler: (payload: { kind?: string }, ctx: unknown) => Promise<unknown>, options?: Parameters<Queue['work']>[2]) =>
      queue.work(job as never, (async (payload: { kind?: string }, ctx: unknown) => {
        const span = { start: now(), end: Number.POSITIVE_INFINITY, kind: payload.kind ?? '?' };
        this.jobs.push(span);
        try {
          return await handler(payload, ctx);
        } finally {
          span.end = now();
        }
      }) as never, options)) as Queue['work'];
    return { ...queue, work };
  }

  /** Times every statement and transaction the runtime's database handle runs (not pg-boss's own). */
  watchDatabase(db: Db): void {
    const timed = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
      const span = { start: now(), end: 0, sql: typeof args[0] === 'string' ? args[0].replace(/\s+/g, ' ').slice(0, 70) : 'transaction' };
      try {
        return await fn(...args);
      } finally {
        span.end = now();
        this.database.push(span);
      }
    };
    const target = db as { -readonly [K in keyof Db]: Db[K] };
    target.query = timed(db.query.bind(db)) as Db['query'];
    target.transaction = timed(db.transaction.bind(db)) as Db['transaction'];
  }

  /** When the last webhook was answered or job ended (0: none yet); a job still running counts as now. */
  lastActivity(): number {
    const ends = [...this.receipts, ...this.jobs].map((s) => (Number.isFinite(s.end) ? s.end : now()));
    return Math.max(0, ...ends);
  }

  /**
   * One change's events in order, in ms from when it was made: the webhook, the jobs, each call,
   * and the database statements between them gathered into one line per run of statements.
   */
  trace(madeAt: number, seenAt: number): string[] {
    const within = <S extends Span>(spans: S[]) => spans.filter((s) => s.end > madeAt && s.start < seenAt);
    const events: { at: number; text: string }[] = [
      ...within(this.receipts).map((r) => ({ at: r.start, text: `webhook received, answered after ${Math.round(r.end - r.start)} ms` })),
      ...within(this.jobs).map((j) => ({ at: j.start, text: `${j.kind} job picked up${j.end < seenAt ? `, ended after ${Math.round(j.end - j.start)} ms` : ''}` })),
      ...within(this.calls).map((c) => ({ at: c.start, text: `${c.system} ${c.method} ${c.op}: ${Math.round(c.end - c.start)} ms` })),
    ];
    const statements = within(this.database).sort((a, b) => a.start - b.start);
    for (let i = 0; i < statements.length; ) {
      const first = statements[i]!;
      let j = i;
      let ms = 0;
      // A run of statements: up to the next call or webhook.
      const nextOther = Math.min(...events.filter((e) => e.at > first.start).map((e) => e.at), Number.POSITIVE_INFINITY);
      while (j < statements.length && statements[j]!.start < nextOther) ms += statements[j]!.end - statements[j++]!.start;
      const what = process.env.ML_CONNECTOR_BENCH_SQL ? `: ${statements.slice(i, j).map((x) => x.sql).join(' | ')}` : '';
      events.push({ at: first.start, text: `${j - i} database statement(s) or transaction(s), ${Math.round(ms)} ms in all${what}` });
      i = j;
    }
    events.push({ at: seenAt, text: 'seen on the other side' });
    return events.sort((a, b) => a.at - b.at).map((e) => `${String(Math.round(e.at - madeAt)).padStart(6)} ms  ${e.text}`);
  }

  /** One change's breakdown, between the moment it was made and the moment it was seen. */
  breakdown(madeAt: number, seenAt: number): ChangeBreakdown {
    const within = <S extends Span>(spans: S[]) => spans.filter((s) => s.end > madeAt && s.start < seenAt);
    const receipt = within(this.receipts)[0];
    const receivedAt = receipt?.start ?? madeAt;
    // Enqueued when the receipt's transaction (the event row and its job) committed, which can be
    // before the answer is sent: the woken worker may take the database first.
    const commit = receipt && this.database.find((d) => d.sql === 'transaction' && d.start >= receipt.start && d.start <= receipt.end);
    const enqueuedAt = commit?.end ?? receipt?.end ?? madeAt;
    // The follow-up: the job that made the last call before the change was seen, i.e. the last
    // records job picked up after the enqueue and before that call (the echo job of an earlier
    // change may run between the enqueue and it; the echo of this one may start before the bench
    // looks again).
    const lastCall = this.calls.filter((c) => c.end <= seenAt && c.start >= enqueuedAt).at(-1);
    const before = lastCall?.start ?? seenAt;
    const job = this.jobs.filter((j) => j.kind === 'records' && j.start >= enqueuedAt - 2 && j.start <= before).at(-1);
    const pickedAt = job?.start ?? enqueuedAt;
    const behind = union(within(this.jobs).filter((j) => j !== job).map((j) => clip(j, enqueuedAt, pickedAt)));
    const runCalls = within(this.calls).filter((c) => c.end > pickedAt);
    const writes = runCalls.filter((c) => c.method !== 'GET').map((c) => clip(c, pickedAt, seenAt));
    const reads = runCalls.filter((c) => c.method === 'GET').map((c) => clip(c, pickedAt, seenAt));
    const db = within(this.database).map((s) => clip(s, pickedAt, seenAt));
    const writesMs = union(writes);
    const readsMs = union([...writes, ...reads]) - writesMs;
    const databaseMs = union([...writes, ...reads, ...db]) - writesMs - readsMs;
    const runMs = Math.max(0, seenAt - pickedAt);
    return {
      deliveryMs: receivedAt - madeAt,
      receiveMs: enqueuedAt - receivedAt,
      pickUpMs: pickedAt - enqueuedAt,
      behindOtherJobMs: behind,
      writesMs,
      readsMs,
      databaseMs,
      otherMs: Math.max(0, runMs - writesMs - readsMs - databaseMs),
      totalMs: seenAt - madeAt,
      calls: runCalls.map((c) => `${c.system} ${c.method} ${c.op}`),
    };
  }
}

/** Wall-clock ms, the clock the log lines carry (pino's `time`). */
export const now = (): number => Date.now();

function clip(s: Span, from: number, to: number): Span {
  return { start: Math.max(s.start, from), end: Math.min(s.end, to) };
}

/** Total length covered by the spans, overlaps counted once. */
function union(spans: Span[]): number {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const s of sorted) {
    if (s.end <= end) continue;
    total += s.end - Math.max(s.start, end);
    end = s.end;
  }
  return total;
}
