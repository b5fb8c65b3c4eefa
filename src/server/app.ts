import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { redactText } from '../core/redact.ts';
import { apiPlugin } from './api/index.ts';
import type { ServerServices } from './contract.ts';
import { collectMetrics, type WorkCounters } from './metrics.ts';
import type { PollScheduler } from './scheduler/index.ts';
import { refuseUnstorableText } from './storable-text.ts';

/**
 * Plugins other parts of the server provide, each a fastify plugin taking `{ services }`. They are
 * loaded when their file exists, so the server runs with whichever parts are present.
 */
const featurePlugins: { file: string; exportName: string; what: string }[] = [
  { file: './webhooks/plugin.ts', exportName: 'webhooksPlugin', what: 'webhooks in' },
  { file: './connect/plugin.ts', exportName: 'connectPlugin', what: 'connect pages' },
  { file: './dashboard/plugin.ts', exportName: 'dashboardPlugin', what: 'dashboard' },
];

export interface AppOptions {
  services: ServerServices;
  scheduler: PollScheduler;
  counters: WorkCounters;
  /** Whether this process's queue is running (false once shutdown began). */
  queueRunning: () => boolean;
  version?: string;
}

/**
 * The HTTP side of `ml-connector serve`: the REST API under /api (token), the OpenAPI document
 * generated from its schemas, open /healthz and /metrics, and the feature plugins.
 */
export interface BuiltApp {
  app: FastifyInstance;
  /** Every route registered, as method and URL pattern (tests check the OpenAPI document lists the API's). */
  routes: readonly { method: string; url: string }[];
}

export async function buildApp(options: AppOptions): Promise<BuiltApp> {
  const { services } = options;
  const app: FastifyInstance = Fastify({ loggerInstance: services.log as FastifyBaseLogger, forceCloseConnections: 'idle' });
  // First, so every route below (API, webhooks, connect pages, dashboard) gets it.
  refuseUnstorableText(app);
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'ml-connector API', version: options.version ?? '0.1.0', description: 'Links, connections, runs, records and their audit trails; work is queued as link-work jobs.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'ML_CONNECTOR_API_TOKEN, or the token printed on first start' } } },
      security: [{ bearerAuth: [] }],
    },
    // Only the REST API is described; pages, webhooks, health and metrics are not part of it.
    transform: (input) => (input.url.startsWith('/api/') ? jsonSchemaTransform(input) : { schema: { hide: true } as never, url: input.url }),
  });

  app.get('/healthz', async (_request, reply) => {
    const db = await services.db.query('select 1 as ok').then(() => true, (e: unknown) => redactText(e instanceof Error ? e.message : String(e)));
    const queue = options.queueRunning();
    const ok = db === true && queue;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', db: db === true ? 'ok' : db, queue: queue ? 'running' : 'stopped' });
  });

  app.get('/metrics', async (_request, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(await collectMetrics(services.db, options.counters)),
  );

  await app.register(apiPlugin, { prefix: '/api', ctx: { services, scheduler: options.scheduler } });

  for (const p of featurePlugins) {
    const path = fileURLToPath(new URL(p.file, import.meta.url));
    if (!existsSync(path)) continue;
    const mod = (await import(p.file)) as Record<string, unknown>;
    const plugin = mod[p.exportName];
    if (typeof plugin !== 'function') throw new Error(`${p.file} does not export ${p.exportName}`);
    await app.register(plugin as FastifyPluginAsync<{ services: ServerServices }>, { services });
  }
  return { app, routes };
}
