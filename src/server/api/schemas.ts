import { z } from 'zod';
import { pairIds } from '../../model/link.ts';
import { erpSystemIds, systemIds } from '../../model/types.ts';
import { defaultErpSystem } from '../../systems/registry.ts';

/**
 * The API's shapes, in one place: fastify validates requests and serialises responses with them
 * (fastify-type-provider-zod) and /api/openapi.json is generated from them, so the document cannot
 * drift from what the server does.
 */
export const systemSchema = z.enum(systemIds);
export const erpSystemSchema = z.enum(erpSystemIds);
export const pairSchema = z.enum(pairIds).meta({ description: 'The pair a link runs: which two systems it joins and which way records flow' });
export const entitySchema = z.enum(['account', 'vendor', 'bill', 'payment']);
export const recordStatusSchema = z.enum(['pending', 'synced', 'skipped', 'failed', 'conflict']);

export const errorSchema = z.object({
  error: z.object({
    code: z.string().meta({ description: 'Stable code: MLC_ERR_* for connector errors, or unauthorized, bad_request, not_found, conflict' }),
    message: z.string(),
    field: z.string().optional().meta({ description: 'The request field that was wrong, e.g. body.settings.pollCron' }),
  }),
});

export const linkNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'use 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit');
export const linkParams = z.object({ name: linkNameSchema });

/**
 * A link's settings: `pollCron` for every pair, the rest the pair's own (Xero ⇄ BILL:
 * paymentAccount {code|id}, accountPolicy create|error, departmentCategory), checked against the
 * pair's schema when saved; an unknown or bad field is a 400 naming it.
 */
const settingsObject = z.record(z.string(), z.unknown()).meta({ description: "pollCron (cron) and the pair's own settings; departmentCategory null clears it" });

export const linkSchema = z.object({
  name: z.string(),
  pair: pairSchema,
  erpSystem: erpSystemSchema,
  erpConnectionId: z.string(),
  billConnectionId: z.string(),
  settings: settingsObject,
});

export const createLinkBody = z.object({
  name: linkNameSchema,
  erpSystem: erpSystemSchema.default(defaultErpSystem),
  pair: pairSchema.optional().meta({ description: 'Default: the pair the ERP connection\'s system forms with BILL; must agree with erpSystem' }),
  erpConnectionId: z.string().min(1),
  billConnectionId: z.string().min(1),
  settings: settingsObject.optional(),
}).strict();

/**
 * Settings to change and connections to point the link at. A link that synced stays with the
 * tenants it synced with: a connection to another ERP tenant or BILL organisation is refused.
 */
export const updateLinkBody = z.object({
  settings: settingsObject.optional().meta({ description: "Settings to change (pollCron and the pair's own); fields left out keep their value" }),
  erpConnectionId: z.string().min(1).optional().meta({ description: "A connection of the link's ERP system; once the link synced, to the same tenant" }),
  billConnectionId: z.string().min(1).optional().meta({ description: 'A BILL connection; once the link synced, to the same organisation' }),
}).strict();

export const connectionSchema = z.object({
  id: z.string(),
  system: systemSchema,
  label: z.string().nullable(),
  tenantId: z.string().nullable(),
  status: z.enum(['ok', 'needs_reconnect', 'disabled']),
  reason: z.string().nullable().meta({ description: 'Why the connection needs attention' }),
  tokenExpiresAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  updatedAt: z.string(),
});

export const runSchema = z.object({
  id: z.string(),
  link: z.string(),
  kind: z.string(),
  dryRun: z.boolean(),
  status: z.enum(['running', 'succeeded', 'failed', 'partial', 'interrupted', 'parked']).meta({ description: "parked: stopped at a used-up hourly or daily allowance; the same work is queued to resume from the committed cursors when the window resets" }),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  counts: z.record(z.string(), z.number()).meta({ description: 'Outcomes by entity and action, e.g. bill.create' }),
  progress: z.record(z.string(), z.unknown()).nullable().meta({ description: 'Latest progress of a running run: step, done, at' }),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

export const runsQuery = z.object({
  link: linkNameSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(20),
});

export const recordSchema = z.object({
  link: z.string(),
  entity: z.string(),
  sourceSystem: z.string(),
  sourceId: z.string(),
  label: z.string().nullable(),
  status: recordStatusSchema,
  reason: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  attempts: z.number().int(),
  lastRunId: z.string().nullable(),
  targetId: z.string().nullable(),
  updatedAt: z.string(),
});

export const recordsQuery = z.object({
  link: linkNameSchema.optional(),
  status: recordStatusSchema.optional(),
  system: systemSchema.optional().meta({ description: 'The source system of the record' }),
  entity: entitySchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const recordsPage = z.object({
  items: z.array(recordSchema),
  limit: z.number().int(),
  offset: z.number().int(),
  nextOffset: z.number().int().nullable().meta({ description: 'Offset of the next page, null on the last page' }),
});

export const auditEventSchema = z.object({
  id: z.number().int(),
  at: z.string(),
  link: z.string(),
  runId: z.string().nullable(),
  entity: z.string(),
  sourceSystem: z.string(),
  sourceId: z.string(),
  targetSystem: z.string().nullable(),
  targetId: z.string().nullable(),
  step: z.string(),
  outcome: z.string(),
  errorCode: z.string().nullable(),
  message: z.string().nullable(),
  sourceVersion: z.string().nullable(),
  payload: z.unknown().meta({ description: 'What was sent (secrets redacted)' }),
  response: z.unknown().meta({ description: 'What came back (secrets redacted)' }),
});

export const acceptedSchema = z.object({
  jobId: z.string().meta({ description: 'The link-work job; follow it at /api/jobs/{id}' }),
});

export const replayBody = z.union([
  z.object({ failed: z.literal(true) }).strict(),
  z.object({ id: z.string().min(1).meta({ description: 'Source or target id of one record' }) }).strict(),
]);

export const skipBody = z.object({
  entity: entitySchema,
  sourceId: z.string().min(1),
  note: z.string().max(500).optional().meta({ description: 'Why it is skipped; kept in the audit trail' }),
}).strict();

export const jobSchema = z.object({
  id: z.string(),
  state: z.enum(['created', 'retry', 'active', 'completed', 'cancelled', 'failed']),
  data: z.unknown(),
  output: z.unknown(),
  retryCount: z.number().int(),
  createdOn: z.string(),
  completedOn: z.string().nullable(),
});

export const deadLetterSchema = z.object({
  id: z.string(),
  job: z.string(),
  sourceId: z.string().nullable(),
  data: z.unknown(),
  error: z.unknown(),
  retryCount: z.number().int().nullable(),
  deadLetteredAt: z.string(),
});
