import type { FastifyInstance } from 'fastify';
import { registerCommonControlRoutes, type EmulatorContext } from '../kit/base.ts';
import { readWirePatch } from '../kit/wire-overrides.ts';
import type { SeedSummary } from './seed.ts';
import type { XeroState } from './state.ts';
import type { XeroWebhooks } from './webhooks.ts';

/**
 * The control surface under /_emulator (never faulted or rate limited): the kit's clock, faults,
 * stats and latency routes, plus seed, state, webhook configuration and the wire-overrides test knob.
 */
export interface ControlDeps {
  ctx: EmulatorContext;
  state: XeroState;
  webhooks: XeroWebhooks;
  seed: (input: unknown) => SeedSummary;
  setWebhook: (cfg: { url: string; key: string }) => void;
}

export function registerControlRoutes(app: FastifyInstance, deps: ControlDeps): void {
  registerCommonControlRoutes(app, deps.ctx);

  app.post('/_emulator/seed', async (request, reply) => {
    try {
      return deps.seed(request.body ?? {});
    } catch (e) {
      return reply.code(400).send({ error: e instanceof Error ? e.message : String(e) });
    }
  });

  app.get('/_emulator/state', async () => deps.state.snapshot());

  // Test knob (docs/emulators/xero.md "Control surface"): one invoice or contact sent altered.
  app.post('/_emulator/wire-overrides', async (request, reply) => {
    try {
      const { id, patch } = readWirePatch(request.body);
      const tenantId = (request.body as { tenantId?: unknown }).tenantId;
      const tenant = typeof tenantId === 'string' ? deps.state.tenant(tenantId) : deps.state.primary;
      if (!tenant) return reply.code(404).send({ error: `no tenant ${String(tenantId)}` });
      if (!tenant.invoices.has(id.toLowerCase()) && !tenant.contacts.has(id.toLowerCase())) {
        return reply.code(404).send({ error: `no invoice or contact ${id} in tenant ${tenant.tenantId}` });
      }
      tenant.wire.put(id, patch);
      return { tenantId: tenant.tenantId, overrides: tenant.wire.view() };
    } catch (e) {
      return reply.code(400).send({ error: e instanceof Error ? e.message : String(e) });
    }
  });

  app.get('/_emulator/wire-overrides', async () => Object.fromEntries(deps.state.list().map((t) => [t.tenantId, t.wire.view()])));

  app.delete('/_emulator/wire-overrides', async () => {
    for (const t of deps.state.list()) t.wire.clear();
    return {};
  });

  app.post('/_emulator/webhooks', async (request, reply) => {
    const b = (request.body ?? {}) as { url?: unknown; key?: unknown };
    if (typeof b.url !== 'string' || typeof b.key !== 'string' || b.key.length === 0) {
      return reply.code(400).send({ error: 'body must be {"url": "http://…", "key": "<webhook signing key>"}' });
    }
    try {
      new URL(b.url);
    } catch {
      return reply.code(400).send({ error: `url '${b.url}' is not a URL` });
    }
    deps.setWebhook({ url: b.url, key: b.key });
    return deps.webhooks.view();
  });

  app.get('/_emulator/webhooks', async () => ({
    ...deps.webhooks.view(),
    deliveries: deps.ctx.webhooks.log.slice(-100),
  }));

  app.post('/_emulator/webhooks/flush', async () => {
    await deps.webhooks.flush();
    return deps.webhooks.view();
  });

  app.post('/_emulator/webhooks/intent-to-receive', async (request, reply) => {
    const b = (request.body ?? {}) as { url?: unknown; key?: unknown };
    try {
      const override: { url?: string; key?: string } = {};
      if (typeof b.url === 'string') override.url = b.url;
      if (typeof b.key === 'string') override.key = b.key;
      return await deps.webhooks.probe(override.url || override.key ? override : undefined);
    } catch (e) {
      return reply.code(400).send({ error: e instanceof Error ? e.message : String(e) });
    }
  });
}
