import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pairOfErp, type Link, type LinkSettings, type PairId } from '../../model/link.ts';
import { pairDefinitions, parsePairSettings } from '../../pairs/index.ts';
import { getConnection, listConnections } from '../../store/repos/connections.ts';
import { getLink, getLinkTenants, listLinks, saveLink, tenantMismatch } from '../../store/repos/links.ts';
import { hubSystemId } from '../../systems/registry.ts';
import { checkPollCron } from '../scheduler/index.ts';
import { requireLink, type ApiContext } from './context.ts';
import { HttpError } from './errors.ts';
import { connectionSchema, createLinkBody, errorSchema, linkParams, linkSchema, updateLinkBody } from './schemas.ts';

const tags = ['links'];

/** Links (the pairing of an ERP tenant with a BILL organisation and its settings) and connections. */
export const linkRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { db, queue } = ctx.services;

  const checkConnection = async (id: string, system: string, field: string) => {
    const c = await getConnection(db, id);
    if (!c) throw new HttpError(400, 'bad_request', `${field}: connection '${id}' does not exist`, field);
    if (c.system !== system) throw new HttpError(400, 'bad_request', `${field}: connection '${id}' is a ${c.system} connection, not ${system}`, field);
    return c;
  };
  /** The settings as the link's pair validates them, or a 400 naming the first bad field. */
  const checkSettings = (name: string, pair: PairId, input: unknown) => {
    if (!pairDefinitions[pair]) throw new HttpError(400, 'bad_request', `body.pair: this version cannot sync the pair '${pair}' yet`, 'body.pair');
    const parsed = parsePairSettings({ name, pair }, input);
    if (!parsed.ok) {
      const field = ['body', 'settings', ...parsed.problem.path].join('.');
      throw new HttpError(400, 'bad_request', `${field}: ${parsed.problem.message}`, field);
    }
    return parsed.settings;
  };
  /** Every schedule the settings hold: the poll, and the own schedule of any step of the pair that has one. */
  const checkCron = (pair: PairId, settings: LinkSettings) => {
    const crons = ['pollCron', ...(pairDefinitions[pair]?.steps.flatMap((st) => (st.schedule ? [st.schedule.setting] : [])) ?? [])];
    for (const setting of crons) {
      const cron = (settings as Record<string, unknown>)[setting];
      const problem = typeof cron === 'string' ? checkPollCron(queue, cron) : null;
      if (problem) throw new HttpError(400, 'bad_request', `body.settings.${setting} ${problem}`, `body.settings.${setting}`);
    }
  };

  app.get('/links', { schema: { tags, summary: 'List links', response: { 200: z.object({ items: z.array(linkSchema) }) } } }, async () => ({ items: await listLinks(db) }));

  app.get('/links/:name', { schema: { tags, summary: 'Get a link', params: linkParams, response: { 200: linkSchema, 404: errorSchema } } }, async (req) => requireLink(ctx, req.params.name));

  app.post('/links', { schema: { tags, summary: 'Create a link', body: createLinkBody, response: { 201: linkSchema, 400: errorSchema, 409: errorSchema } } }, async (req, reply) => {
    const body = req.body;
    if (await getLink(db, body.name)) throw new HttpError(409, 'conflict', `link '${body.name}' already exists; change it with PATCH /api/links/${body.name}`);
    await checkConnection(body.erpConnectionId, body.erpSystem, 'body.erpConnectionId');
    await checkConnection(body.billConnectionId, hubSystemId, 'body.billConnectionId');
    const pair = body.pair ?? pairOfErp[body.erpSystem];
    if (pair !== pairOfErp[body.erpSystem]) {
      throw new HttpError(400, 'bad_request', `body.pair: pair '${pair}' does not run ${body.erpSystem} links (a ${body.erpSystem} link runs '${pairOfErp[body.erpSystem]}')`, 'body.pair');
    }
    const settings = checkSettings(body.name, pair, body.settings ?? {});
    checkCron(pair, settings);
    const link: Link = { name: body.name, pair, erpSystem: body.erpSystem, erpConnectionId: body.erpConnectionId, billConnectionId: body.billConnectionId, settings };
    await saveLink(db, link);
    await ctx.scheduler.reconcile();
    return reply.code(201).send(link);
  });

  app.patch('/links/:name', { schema: { tags, summary: "Change a link's settings or point it at other connections of the same tenants", params: linkParams, body: updateLinkBody, response: { 200: linkSchema, 400: errorSchema, 404: errorSchema } } }, async (req) => {
    const link = await requireLink(ctx, req.params.name);
    const merged = checkSettings(link.name, link.pair, { ...link.settings, ...req.body.settings });
    checkCron(link.pair, merged);
    const { erpConnectionId = link.erpConnectionId, billConnectionId = link.billConnectionId } = req.body;
    const erp = erpConnectionId !== link.erpConnectionId ? await checkConnection(erpConnectionId, link.erpSystem, 'body.erpConnectionId') : null;
    const bill = billConnectionId !== link.billConnectionId ? await checkConnection(billConnectionId, hubSystemId, 'body.billConnectionId') : null;
    const pinned = await getLinkTenants(db, link.name);
    const mismatch = pinned && tenantMismatch(link.name, pinned, {
      ...(erp ? { erpTenantId: erp.tenant_id, erpConnectionId } : {}),
      ...(bill ? { billOrgId: bill.tenant_id, billConnectionId } : {}),
    });
    if (mismatch) {
      const field = mismatch.side === 'erp' ? 'body.erpConnectionId' : 'body.billConnectionId';
      throw new HttpError(400, 'bad_request', `${field}: ${mismatch.message}`, field);
    }
    const updated: Link = { ...link, erpConnectionId, billConnectionId, settings: merged };
    await saveLink(db, updated);
    await ctx.scheduler.reconcile();
    return updated;
  });

  app.get('/connections', { schema: { tags: ['connections'], summary: 'List connections and their health (never secrets)', response: { 200: z.object({ items: z.array(connectionSchema) }) } } }, async () => ({
    items: (await listConnections(db)).map((c) => ({
      id: c.id,
      system: c.system,
      label: c.label,
      tenantId: c.tenant_id,
      status: c.status,
      reason: c.status_reason,
      tokenExpiresAt: c.token_expires_at,
      lastSuccessAt: c.last_success_at,
      updatedAt: c.updated_at,
    })),
  }));
};
