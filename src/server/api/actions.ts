import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConnectorError, type ErrorCode } from '../../core/errors.ts';
import { linkWorkJob, reconcileThroughQueue } from '../contract.ts';
import { requireLink, sendLinkWork, type ApiContext } from './context.ts';
import { HttpError, notFound } from './errors.ts';
import { acceptedSchema, deadLetterSchema, errorSchema, jobSchema, linkParams, replayBody } from './schemas.ts';
import { currentWorkEtas } from '../work-etas.ts';

const reconcileSchema = z.object({
  link: z.string(),
  agree: z.boolean(),
  checked: z.object({ erpBills: z.number(), linkedBills: z.number(), billBills: z.number(), paymentApplications: z.number(), linkedVendors: z.number(), billVendors: z.number() }),
  totals: z.record(z.string(), z.object({ erp: z.string(), erpLinked: z.string(), bill: z.string(), paidInBill: z.string(), paidInErp: z.string() })).meta({ description: 'Decimal strings per currency' }),
  differences: z.array(z.object({ kind: z.string(), erpBillId: z.string().nullable(), billId: z.string().nullable(), detail: z.string() })),
});

/** How long GET /links/{name}/reconcile waits for the worker's report before answering 202. */
const reconcileWaitMs = 30_000;

const shareSchema = z.object({ system: z.string(), window: z.string(), calls: z.number().int(), budget: z.number().int(), percent: z.number() });
const workSchema = z.object({
  state: z.enum(['running', 'queued']),
  link: z.string(),
  kind: z.string(),
  runId: z.string().nullable(),
  jobId: z.string().nullable(),
  text: z.string().meta({ description: "The ETA in words, e.g. \"first sync ≈ 4 min left (until about 14:32 UTC), 9 % of this hour's BILL budget\"" }),
  eta: z.object({
    basis: z.enum(['this run', 'previous run', 'default']).meta({ description: "What the estimate rests on: this run's own pace so far, the link's previous run of the kind, or a stated default" }),
    estimatedAt: z.string(),
    startAt: z.string(),
    finishAt: z.string(),
    remainingMs: z.number(),
    durationMs: z.number(),
    callsLeft: z.record(z.string(), z.number()),
    shares: z.array(shareSchema).meta({ description: "The share of each app-wide allowance (BILL's developer key hour) the rest of the work takes" }),
    waitsFor: z.object({ system: z.string(), window: z.string(), until: z.string() }).nullable(),
    assumed: z.array(z.string()),
  }),
});

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

/** Work on a link (sync now, replay) as queued jobs, the jobs themselves, dead letters, and reconcile. */
export const actionRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { db, queue, deps, log } = ctx.services;
  const accepted = { 202: acceptedSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema };

  app.post('/links/:name/sync', { schema: { tags: ['work'], summary: 'Sync now: queue a delta sync of the link', params: linkParams, response: accepted } }, async (req, reply) => {
    const link = await requireLink(ctx, req.params.name);
    return reply.code(202).send({ jobId: await sendLinkWork(ctx, link, { kind: 'sync', link: link.name, reason: 'manual' }) });
  });

  app.post('/links/:name/replay', { schema: { tags: ['work'], summary: 'Queue a replay of every failed record, or of one record by either id', params: linkParams, body: replayBody, response: accepted } }, async (req, reply) => {
    const link = await requireLink(ctx, req.params.name);
    const target = 'failed' in req.body ? { failed: true as const } : { id: req.body.id };
    return reply.code(202).send({ jobId: await sendLinkWork(ctx, link, { kind: 'replay', link: link.name, target }) });
  });

  app.get('/work', {
    schema: {
      tags: ['work'],
      summary: 'Running and queued work with its ETA',
      description: "Running runs first, then queued jobs in the order they are expected to start: work on links of one BILL organisation runs one job at a time, highest priority first, so a queued job starts when the one ahead of it ends (or at its own start time, for a run parked until a window resets) and is expected to take as long as its link's previous run of the kind.",
      querystring: z.object({ link: z.string().min(1).optional() }),
      response: { 200: z.object({ items: z.array(workSchema) }) },
    },
  }, async (req) => {
    return { items: await currentWorkEtas(db, queue, { link: req.query.link }) };
  });

  app.get('/jobs/:id', { schema: { tags: ['work'], summary: 'A link-work job: state and output', params: z.object({ id: z.uuid() }), response: { 200: jobSchema, 400: errorSchema, 404: errorSchema } } }, async (req) => {
    const job = await queue.boss.getJobById<unknown>(linkWorkJob.name, req.params.id);
    if (!job) throw notFound(`job '${req.params.id}'`);
    return { id: job.id, state: job.state, data: job.data, output: job.output ?? null, retryCount: job.retryCount, createdOn: iso(job.createdOn) ?? '', completedOn: iso(job.completedOn) };
  });

  app.get('/dead-letters', { schema: { tags: ['work'], summary: 'Jobs whose retries ran out or that cannot succeed (e.g. a connection needs reconnecting)', response: { 200: z.object({ items: z.array(deadLetterSchema) }) } } }, async () => ({
    items: (await queue.listDeadLetters()).map((d) => ({ id: d.id, job: d.job, sourceId: d.sourceId, data: d.data, error: d.error ?? null, retryCount: d.retryCount, deadLetteredAt: d.deadLetteredAt.toISOString() })),
  }));

  // Reconcile only reads, but it reads BILL: it runs as a job in the link's queue (behind work
  // already running on the organisation), and the request waits for its report.
  app.get('/links/:name/reconcile', {
    schema: {
      tags: ['work'],
      summary: 'Compare both ledgers now (reads only)',
      description: `Queues a reconciliation and waits up to ${reconcileWaitMs / 1000} s for its report. If work already running on the BILL organisation holds it longer, the answer is 202 with the job id; GET /jobs/{id} then gives the report as its output.`,
      params: linkParams,
      response: { 200: reconcileSchema, 202: acceptedSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema },
    },
  }, async (req, reply) => {
    const link = await requireLink(ctx, req.params.name);
    const { jobId, outcome } = await reconcileThroughQueue(ctx.services, link, reconcileWaitMs);
    if (!jobId) throw new HttpError(409, 'conflict', `a reconciliation of link '${link.name}' is already waiting`);
    if (!outcome) return reply.code(202).send({ jobId });
    if (outcome.error || !outcome.report) {
      throw new ConnectorError({ code: (outcome.error?.code ?? 'MLC_ERR_BUG') as ErrorCode, message: outcome.error?.message ?? 'the reconciliation gave no report' });
    }
    return outcome.report;
  });
};
