import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { registerCommonControlRoutes, type EmulatorContext } from '../kit/base.ts';
import { QboFault } from './errors.ts';
import { write, writeContext } from './operations.ts';
import { isEntity, type ChangeEvent, type QboState } from './store.ts';
import type { QboWebhooks, WebhookConfig } from './webhooks.ts';
import type { QboAuth } from './auth.ts';

/**
 * `/_emulator/*` for tests and local runs: seed, state, webhooks, the user disconnecting the app,
 * and edits a QuickBooks user makes in the product (which raise webhooks as API writes do), plus the
 * kit's clock, faults, stats and latency.
 */

export interface ControlDeps {
  ctx: EmulatorContext;
  state: QboState;
  auth: QboAuth;
  webhooks: QboWebhooks;
  seed(input: unknown): unknown;
  dump(): unknown;
  emit(events: ChangeEvent[]): void;
  quirks: { throttleAsXml: boolean };
}

const preferencesSchema = z.object({
  realmId: z.string().optional(),
  warnDuplicateBillNumber: z.boolean().optional(),
  throttleAsXml: z.boolean().optional(),
}).strict();

const webhookSchema = z.object({
  url: z.string().url(),
  format: z.enum(['legacy', 'cloudevents']).default('legacy'),
  delayMs: z.number().int().min(0).default(0),
  duplicate: z.boolean().default(false),
}).strict();

const userEditSchema = z.object({
  realmId: z.string().optional(),
  entity: z.string(),
  operation: z.enum(['create', 'update', 'delete']),
  record: z.record(z.string(), z.unknown()),
}).strict();

const bad = (reply: FastifyReply, e: unknown) =>
  reply.code(400).send({ error: e instanceof QboFault ? e.errors : e instanceof Error ? e.message : String(e) });

export function registerControlRoutes(app: FastifyInstance, deps: ControlDeps): void {
  const { ctx, state, auth, webhooks } = deps;
  registerCommonControlRoutes(app, ctx);
  app.post('/_emulator/seed', async (request, reply) => {
    try {
      return deps.seed(request.body ?? {});
    } catch (e) {
      return bad(reply, e);
    }
  });
  app.get('/_emulator/state', async () => deps.dump());
  /** Company preferences (WarnDuplicateBillNumber, B6) and the XML-429 quirk. */
  app.post('/_emulator/preferences', async (request, reply) => {
    const parsed = preferencesSchema.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.message });
    const realm = state.realm(parsed.data.realmId ?? state.primary.realmId);
    if (!realm) return reply.code(404).send({ error: 'unknown realm' });
    if (parsed.data.warnDuplicateBillNumber !== undefined) realm.warnDuplicateBillNumber = parsed.data.warnDuplicateBillNumber;
    if (parsed.data.throttleAsXml !== undefined) deps.quirks.throttleAsXml = parsed.data.throttleAsXml;
    return { realmId: realm.realmId, warnDuplicateBillNumber: realm.warnDuplicateBillNumber, throttleAsXml: deps.quirks.throttleAsXml };
  });
  app.post('/_emulator/webhooks', async (request, reply) => {
    const parsed = webhookSchema.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.message });
    webhooks.configure(parsed.data as WebhookConfig);
    return { webhook: parsed.data };
  });
  app.delete('/_emulator/webhooks', async () => {
    webhooks.configure(null);
    return { webhook: null };
  });
  app.post('/_emulator/webhooks/flush', async () => {
    await webhooks.flush();
    return { deliveries: ctx.webhooks.log.length };
  });
  app.get('/_emulator/webhooks/deliveries', async () => ({ deliveries: ctx.webhooks.log }));
  /** Which company the sandbox user picks on the next consent page (default: the sandbox company). */
  app.post('/_emulator/consent-company', async (request, reply) => {
    const realmId = (request.body as { realmId?: unknown } | undefined)?.realmId;
    if (typeof realmId !== 'string' || !state.realm(realmId)) return reply.code(400).send({ error: 'body must be {"realmId": <a served company>}' });
    auth.consentRealm = realmId;
    return { realmId };
  });
  /** The user removes the app under Settings → Connected apps: its tokens and refresh tokens stop working. */
  app.post('/_emulator/disconnect', async (request) => {
    const realmId = (request.body as { realmId?: string } | undefined)?.realmId ?? state.primary.realmId;
    return { realmId, grantsEnded: auth.disconnect(realmId) };
  });
  /** A QuickBooks user creates, edits (sparse, with the current SyncToken) or deletes a record. */
  app.post('/_emulator/user-edit', async (request, reply) => {
    const parsed = userEditSchema.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.message });
    const { entity, operation, record } = parsed.data;
    const realm = state.realm(parsed.data.realmId ?? state.primary.realmId);
    if (!realm || !isEntity(entity)) return reply.code(404).send({ error: 'unknown realm or entity' });
    const wctx = writeContext({ realm, clientId: 'quickbooks-user', now: ctx.clock.now() }, {});
    try {
      const stored = record.Id !== undefined ? realm.get(entity, String(record.Id)) : undefined;
      const body = operation === 'create' ? record : { sparse: true, ...record, SyncToken: record.SyncToken ?? stored?.SyncToken };
      const result = write(wctx, entity, operation, body);
      deps.emit(wctx.events);
      return { [entity]: result };
    } catch (e) {
      return bad(reply, e);
    }
  });
}
