/**
 * The emulator's own control surface under `/_emulator/` (never part of Acumatica): seeding, a dump of
 * every record, the licence knobs (force 429s, API-user cap), push-notification destinations, records
 * made or moved directly (a vendor, a bill, release, hold), sessions and the kit's common
 * clock/faults/stats/latency routes. Errors here are plain `{error}` JSON.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { registerCommonControlRoutes } from '../kit/base.ts';
import { invokeAction } from './actions.ts';
import { shapes } from './fields.ts';
import { AcumaticaError, type Tenant } from './model.ts';
import type { AcumaticaDeps } from './options.ts';
import { pushRow } from './push.ts';
import { findByKeys, render, stamp } from './records.ts';
import { seedTenant, summary, type SeedInput, type SeedSummary } from './seed.ts';
import { saveEntity } from './writes.ts';

/** Replaces everything with freshly seeded tenants. */
export function seedAll(deps: AcumaticaDeps, input: SeedInput): SeedSummary[] {
  deps.state.reset(input.seed ?? deps.ctx.seed);
  deps.state.operations.clear();
  return deps.options.tenants.map((name, i) => seedTenant(deps, name, input, i));
}

export function stateDump(deps: AcumaticaDeps): Record<string, unknown> {
  return {
    versions: deps.options.versions,
    liveSessions: deps.state.sessions.liveCount(),
    licence: { apiUsers: deps.options.apiUsers, concurrentRequests: deps.options.concurrentRequests, requestsPerMinute: deps.options.requestsPerMinute, queued: deps.licence.queued(), forced429: deps.licence.forced429 },
    oauth: deps.state.oauth.summary(),
    tenants: [...deps.state.tenants.values()].map((t) => ({
      name: t.name,
      branches: t.branches,
      push: t.push ? { url: t.push.url, headerName: t.push.headerName ?? null } : null,
      summary: summary(t),
      records: Object.fromEntries([...t.tables.entries()].map(([entity, rows]) => [entity, [...rows.values()].map((r) => render(entity, r, { $expand: [...Object.keys(shapes[entity]!.details), ...Object.keys(shapes[entity]!.linked)].join(',') }))])),
    })),
  };
}

const bodyOf = (request: FastifyRequest): Record<string, unknown> => (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;

function tenantOf(deps: AcumaticaDeps, request: FastifyRequest): Tenant {
  const name = bodyOf(request).tenant ?? (request.query as Record<string, string>).tenant;
  const tenant = typeof name === 'string' ? deps.state.tenant(name) : [...deps.state.tenants.values()][0];
  if (!tenant) throw new AcumaticaError(404, `no tenant ${String(name)}`);
  return tenant;
}

/**
 * Voids a bill as the Void command on the Bills and Adjustments form does (not an endpoint action):
 * only a document with nothing applied to it (the emulator's rule; Acumatica's conditions vary by version).
 */
function voidBill(deps: AcumaticaDeps, tenant: Tenant, type: string, ref: string, reply: FastifyReply) {
  const rec = findByKeys(tenant, 'Bill', [type, ref]);
  if (!rec) return reply.code(404).send({ error: `no bill ${type} ${ref}` });
  if ((rec.details.Applications ?? []).length > 0 || rec.fields.Status === 'Voided') return reply.code(409).send({ error: `the bill has payments applied or is already voided` });
  const before = pushRow('Bill', rec);
  rec.fields.Status = 'Voided';
  rec.fields.Balance = '0.00';
  rec.modifiedAt = deps.state.now();
  stamp('Bill', rec);
  deps.push.notify(tenant, 'Bill', before, rec);
  return render('Bill', rec, {});
}

const fail = (reply: FastifyReply, e: unknown) => reply.code(e instanceof AcumaticaError ? e.status : 400).send({ error: e instanceof Error ? e.message : String(e) });

export function registerControlRoutes(app: FastifyInstance, deps: AcumaticaDeps, baseUrl: () => string): void {
  registerCommonControlRoutes(app, deps.ctx);
  app.post('/_emulator/seed', async (request) => ({ tenants: seedAll(deps, bodyOf(request) as SeedInput) }));
  app.get('/_emulator/state', async () => stateDump(deps));
  app.post('/_emulator/licence', async (request, reply) => {
    const b = bodyOf(request);
    if (b.force429 !== undefined) {
      if (typeof b.force429 !== 'number' || !Number.isInteger(b.force429) || b.force429 < 0) return reply.code(400).send({ error: 'force429 must be a whole number >= 0' });
      deps.licence.forced429 = b.force429;
    }
    return { forced429: deps.licence.forced429, queued: deps.licence.queued(), inFlight: deps.licence.inFlight(), liveSessions: deps.state.sessions.liveCount() };
  });
  app.post('/_emulator/sessions/expire', async () => {
    deps.state.sessions.endAll();
    return { liveSessions: 0 };
  });
  app.post('/_emulator/push', async (request, reply) => {
    try {
      const b = bodyOf(request);
      const tenant = tenantOf(deps, request);
      if (b.url === null) delete tenant.push;
      else if (typeof b.url !== 'string') return reply.code(400).send({ error: 'url must be the destination address (or null to remove it)' });
      else tenant.push = { url: b.url, ...(typeof b.headerName === 'string' ? { headerName: b.headerName } : {}), ...(typeof b.headerValue === 'string' ? { headerValue: b.headerValue } : {}) };
      return { tenant: tenant.name, url: tenant.push?.url ?? null };
    } catch (e) {
      return fail(reply, e);
    }
  });
  app.get('/_emulator/push/deliveries', async () => ({ deliveries: deps.push.sent.map((d) => ({ tenant: d.tenant, id: d.id, query: d.query, outcome: d.record.outcome, attempts: d.record.attempts.length })) }));
  // Records made directly, as a user would on the forms: the same rules as the API's PUT.
  for (const entity of ['Vendor', 'Bill', 'Check', 'Account', 'Subaccount', 'PurchaseOrder']) {
    app.post(`/_emulator/${entity.toLowerCase()}s`, async (request, reply) => {
      try {
        const tenant = tenantOf(deps, request);
        const record = bodyOf(request).record ?? {};
        const r = saveEntity(deps, tenant, entity, { body: record, query: { $expand: Object.keys(shapes[entity]!.details).join(',') } }, 'put');
        return reply.code(r.status).send(r.body);
      } catch (e) {
        return fail(reply, e);
      }
    });
  }
  // Moves a document along as a user on the form would: release, hold, remove hold, void.
  app.post('/_emulator/documents/:action', async (request, reply) => {
    try {
      const tenant = tenantOf(deps, request);
      const { action } = request.params as { action: string };
      const b = bodyOf(request);
      const entity = action === 'ReleaseCheck' || action === 'VoidCheck' ? 'Check' : 'Bill';
      const type = String(b.type ?? (entity === 'Check' ? 'Payment' : 'Bill'));
      const ref = String(b.referenceNbr ?? '');
      if (action === 'Hold' || action === 'RemoveHold') {
        const rec = findByKeys(tenant, 'Bill', [type, ref]);
        if (!rec) return reply.code(404).send({ error: `no bill ${type} ${ref}` });
        const r = saveEntity(deps, tenant, 'Bill', { body: { id: rec.id, Hold: { value: action === 'Hold' } }, query: {} }, 'put');
        return reply.code(r.status).send(r.body);
      }
      if (action === 'VoidBill') return voidBill(deps, tenant, type, ref, reply);
      const saved = deps.options.actionPolls;
      deps.options.actionPolls = 0;
      try {
        const r = invokeAction(deps, tenant, entity, action, { entity: { Type: { value: type }, ReferenceNbr: { value: ref } } }, baseUrl());
        if (r.status !== 204) return reply.code(r.status === 500 ? 409 : r.status).send({ error: JSON.stringify(r.body) });
      } finally {
        deps.options.actionPolls = saved;
      }
      const rec = findByKeys(tenant, entity, [type, ref]);
      return rec ? render(entity, rec, { $expand: Object.keys(shapes[entity]!.details).join(',') }) : {};
    } catch (e) {
      return fail(reply, e);
    }
  });
}
