import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { reconcile } from '../../engine/reconcile.ts';
import { tryAcquireLease } from '../../store/repos/leases.ts';
import { linkWorkJob } from '../contract.ts';
import { requireLink, sendLinkWork, type ApiContext } from './context.ts';
import { HttpError, notFound } from './errors.ts';
import { acceptedSchema, deadLetterSchema, errorSchema, jobSchema, linkParams, replayBody } from './schemas.ts';

const reconcileSchema = z.object({
  link: z.string(),
  agree: z.boolean(),
  checked: z.object({ erpBills: z.number(), linkedBills: z.number(), billBills: z.number(), paymentApplications: z.number() }),
  totals: z.record(z.string(), z.object({ erpLinked: z.string(), bill: z.string(), paidInBill: z.string(), paidInErp: z.string() })).meta({ description: 'Decimal strings per currency' }),
  differences: z.array(z.object({ kind: z.string(), erpBillId: z.string().nullable(), billId: z.string().nullable(), detail: z.string() })),
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

  app.get('/jobs/:id', { schema: { tags: ['work'], summary: 'A link-work job: state and output', params: z.object({ id: z.uuid() }), response: { 200: jobSchema, 400: errorSchema, 404: errorSchema } } }, async (req) => {
    const job = await queue.boss.getJobById<unknown>(linkWorkJob.name, req.params.id);
    if (!job) throw notFound(`job '${req.params.id}'`);
    return { id: job.id, state: job.state, data: job.data, output: job.output ?? null, retryCount: job.retryCount, createdOn: iso(job.createdOn) ?? '', completedOn: iso(job.completedOn) };
  });

  app.get('/dead-letters', { schema: { tags: ['work'], summary: 'Jobs whose retries ran out or that cannot succeed (e.g. a connection needs reconnecting)', response: { 200: z.object({ items: z.array(deadLetterSchema) }) } } }, async () => ({
    items: (await queue.listDeadLetters()).map((d) => ({ id: d.id, job: d.job, sourceId: d.sourceId, data: d.data, error: d.error ?? null, retryCount: d.retryCount, deadLetteredAt: d.deadLetteredAt.toISOString() })),
  }));

  // Reconcile only reads, so it runs here rather than as a job; it holds the link's lease so it
  // never reads while a worker is writing to the same link, and answers 409 while one is.
  app.get('/links/:name/reconcile', { schema: { tags: ['work'], summary: 'Compare both ledgers now (reads only)', params: linkParams, response: { 200: reconcileSchema, 404: errorSchema, 409: errorSchema } } }, async (req) => {
    const link = await requireLink(ctx, req.params.name);
    const lease = await tryAcquireLease(db, `link:${link.name}`);
    if (!lease) throw new HttpError(409, 'conflict', `link '${link.name}' is being synced; try again when the run finishes`);
    try {
      const { erp, hub } = await deps.open(link);
      return await reconcile(db, link, erp, hub, log);
    } finally {
      await lease.release();
    }
  });
};
