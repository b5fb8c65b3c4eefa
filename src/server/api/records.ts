import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditTrail } from '../../store/repos/audit.ts';
import { listRecords, skipRecord, type RecordRow } from '../../store/repos/records.ts';
import { requireLink, type ApiContext } from './context.ts';
import { HttpError } from './errors.ts';
import { auditEventSchema, errorSchema, linkNameSchema, linkParams, recordsPage, recordsQuery, skipBody } from './schemas.ts';

const tags = ['records'];

const toRecord = (r: RecordRow) => ({
  link: r.link,
  entity: r.entity,
  sourceSystem: r.source_system,
  sourceId: r.source_id,
  label: r.label,
  status: r.status,
  reason: r.reason,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  attempts: r.attempts,
  lastRunId: r.last_run_id,
  targetId: r.target_id,
  updatedAt: r.updated_at,
});

/** Records (the current status of each source record), their audit trails, and skipping by a person. */
export const recordRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { db } = ctx.services;

  app.get('/records', { schema: { tags, summary: 'List records by link, status, source system and entity; paged', querystring: recordsQuery, response: { 200: recordsPage, 400: errorSchema } } }, async (req) => {
    const q = req.query;
    // One row more than asked tells whether another page follows, without counting the table.
    const rows = await listRecords(db, {
      ...(q.link ? { link: q.link } : {}),
      ...(q.status ? { status: [q.status] } : {}),
      ...(q.entity ? { entity: q.entity } : {}),
      ...(q.system ? { sourceSystem: q.system } : {}),
      limit: q.limit + 1,
      offset: q.offset,
    });
    const more = rows.length > q.limit;
    return { items: rows.slice(0, q.limit).map(toRecord), limit: q.limit, offset: q.offset, nextOffset: more ? q.offset + q.limit : null };
  });

  app.get('/records/:id/audit', {
    schema: {
      tags,
      summary: "A record's audit trail, found by its source or target id",
      params: z.object({ id: z.string().min(1) }),
      querystring: z.object({ link: linkNameSchema.optional() }),
      response: { 200: z.object({ items: z.array(auditEventSchema) }), 400: errorSchema },
    },
  }, async (req) => {
    const rows = await auditTrail(db, req.params.id, req.query.link);
    return {
      items: rows.map((a) => ({
        id: a.id, at: a.at, link: a.link, runId: a.run_id, entity: a.entity, sourceSystem: a.source_system, sourceId: a.source_id,
        targetSystem: a.target_system, targetId: a.target_id, step: a.step, outcome: a.outcome, errorCode: a.error_code, message: a.message,
        sourceVersion: a.source_version, payload: a.payload, response: a.response,
      })),
    };
  });

  app.post('/links/:name/skip', {
    schema: {
      tags,
      summary: 'Mark a failed or conflicting record as skipped by a person (audited)',
      params: linkParams,
      body: skipBody,
      response: { 200: z.object({ skipped: z.literal(true) }), 400: errorSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (req) => {
    const link = await requireLink(ctx, req.params.name);
    const { entity, sourceId, note } = req.body;
    const text = `skipped by a person${note ? `: ${note}` : ''}`;
    if (await skipRecord(db, { link: link.name, entity, sourceId }, text)) return { skipped: true as const };
    const [row] = await listRecordsById(db, link.name, entity, sourceId);
    if (!row) throw new HttpError(404, 'not_found', `no ${entity} record '${sourceId}' on link '${link.name}'`);
    throw new HttpError(409, 'conflict', `record '${sourceId}' is ${row.status}; only failed or conflicting records can be skipped`);
  });
};

async function listRecordsById(db: ApiContext['services']['db'], link: string, entity: string, sourceId: string) {
  const { rows } = await db.query<{ status: string }>('select status from records where link = $1 and entity = $2 and source_id = $3', [link, entity, sourceId]);
  return rows;
}
