import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getRun, listRuns, type RunRow } from '../../store/repos/runs.ts';
import type { ApiContext } from './context.ts';
import { notFound } from './errors.ts';
import { errorSchema, runSchema, runsQuery } from './schemas.ts';

const tags = ['runs'];

export const toRun = (r: RunRow): z.input<typeof runSchema> => ({
  id: r.id,
  link: r.link,
  kind: r.kind,
  dryRun: r.dry_run,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  counts: r.counts ?? {},
  progress: r.progress,
  error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
});

/** Runs: one row per sync, replay or records job a worker ran, with counts and live progress. */
export const runRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { db } = ctx.services;
  app.get('/runs', { schema: { tags, summary: 'List runs, newest first', querystring: runsQuery, response: { 200: z.object({ items: z.array(runSchema) }), 400: errorSchema } } }, async (req) => ({
    items: (await listRuns(db, { ...(req.query.link ? { link: req.query.link } : {}), limit: req.query.limit })).map(toRun),
  }));

  app.get('/runs/:id', { schema: { tags, summary: 'Get a run with its counts and progress', params: z.object({ id: z.string().min(1) }), response: { 200: runSchema, 404: errorSchema } } }, async (req) => {
    const run = await getRun(db, req.params.id);
    if (!run) throw notFound(`run '${req.params.id}'`);
    return toRun(run);
  });
};
