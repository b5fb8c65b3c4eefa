import type { AddressInfo } from 'node:net';
import { EmulatorContext, createFastify, registerLostResponseHook, type EmulatorOptions } from '../kit/base.ts';
import type { EmulatorDefinition } from '../kit/registry.ts';
import { registerAccountRoutes } from './accounts.ts';
import { API_PREFIX, type ApiDeps } from './api.ts';
import { AuthStore } from './auth-store.ts';
import { registerBodyParsers } from './body.ts';
import { registerContactRoutes } from './contacts.ts';
import { registerControlRoutes } from './control.ts';
import { IdempotencyCache } from './idempotency.ts';
import { registerIdentityRoutes, sandboxLogin, type SandboxTokens } from './identity.ts';
import { registerInvoiceRoutes } from './invoices.ts';
import { DEFAULT_DAILY, XeroLimits } from './limits.ts';
import { registerOrganisationRoutes } from './organisation.ts';
import { registerPaymentRoutes } from './payments.ts';
import { registerPurchaseOrderRoutes } from './purchase-orders.ts';
import { SECONDARY_SIZES, extraTenantId, mixSeed, readSeedInput, seedTenant, summarise, tenantIds, type SeedInput, type SeedSummary } from './seed.ts';
import { XeroState } from './state.ts';
import type { ChangeEvent } from './tenant.ts';
import { registerTrackingRoutes } from './tracking.ts';
import { XeroWebhooks } from './webhooks.ts';

/**
 * A local Xero: Identity (OAuth 2.0), /connections and the Accounting API under /api.xro/2.0 on one
 * loopback port, with the same paths as production so only the host differs. State is in memory
 * and generated from a seed. See docs/emulators/xero.md for what is enforced and where it comes from.
 */

export type { SeedInput, SeedSummary } from './seed.ts';
export type { SandboxTokens } from './identity.ts';
export type { XeroState } from './state.ts';

export interface XeroEmulatorOptions extends EmulatorOptions {
  /** Calls per tenant per day (Xero: 5,000; 1,000 for Starter-tier apps). */
  dailyLimit?: number;
  /**
   * Calls per minute across all tenants (Xero: 10,000). Two tenants at 60 a minute can never reach
   * Xero's figure, so tests lower it to exercise the `appminute` refusal.
   */
  appMinuteLimit?: number;
}

export interface XeroEmulator {
  urls: { base: string; api: string; identity: string; login: string; connections: string };
  /** The pre-registered OAuth app. */
  sandbox: { clientId: string; clientSecret: string };
  ctx: EmulatorContext;
  state: XeroState;
  /** Same as POST /_emulator/seed: regenerates both tenants' books. */
  seed(input: SeedInput): SeedSummary;
  /** Same as POST /_emulator/webhooks. */
  setWebhook(cfg: { url: string; key: string }): void;
  /** Sends events waiting for their batch window and waits for every delivery (and its retries) to finish. */
  flushWebhooks(): Promise<void>;
  /** Runs the sandbox app's authorize + token flow over HTTP and returns the token response. */
  login(opts?: { scope?: string; redirectUri?: string }): Promise<SandboxTokens>;
  /**
   * Registers another OAuth app (e.g. a bookkeeper's own tools acting on the same organisation) and
   * logs it in. Its calls count against its own per-tenant allowance, as at Xero, not the sandbox app's.
   */
  otherApp(name: string): Promise<{ clientId: string; tokens: SandboxTokens }>;
  /** The two tenant ids: the demo company first, the small one second. */
  tenantIds: { primary: string; secondary: string };
  /** The Accounting API routes served, as "METHOD /Path/{Param}" relative to urls.api. */
  apiRoutes: readonly string[];
  stop(): Promise<void>;
}

export const SANDBOX_CLIENT = { clientId: 'mlc-sandbox-client', clientSecret: 'mlc-sandbox-secret' } as const;

export async function startXeroEmulator(opts: XeroEmulatorOptions = {}): Promise<XeroEmulator> {
  const ctx = new EmulatorContext(opts);
  // Xero's paths are not case-sensitive (/Connections in XI, /connections in the docs).
  const app = createFastify({ routerOptions: { caseSensitive: false } });
  let base = '';
  const apiBase = () => `${base}${API_PREFIX}`;

  const auth = new AuthStore(ctx.clock, () => base);
  auth.registerClient({ ...SANDBOX_CLIENT, name: 'ML Connector Sandbox' });
  const webhooks = new XeroWebhooks(ctx, apiBase);
  const state = new XeroState(webhooks, auth);
  const limits = new XeroLimits(ctx.clock, ctx.stats, opts.dailyLimit ?? DEFAULT_DAILY, opts.appMinuteLimit, SANDBOX_CLIENT.clientId);
  const [primaryId, secondaryId] = tenantIds(ctx.seed);

  const seed = (input: unknown): SeedSummary => {
    const cfg = readSeedInput(input, ctx.seed);
    const events: ChangeEvent[] = [];
    const primary = seedTenant(primaryId, 'Demo Company (US)', mixSeed(cfg.seed, 1), cfg, cfg.asOf, events);
    const secondary = seedTenant(secondaryId, 'Sandbox Small Business (US)', mixSeed(cfg.seed, 2), SECONDARY_SIZES, cfg.asOf, events);
    const extras = Array.from({ length: cfg.extraTenants }, (_, i) => seedTenant(extraTenantId(ctx.seed, i), `Demo Company ${i + 3} (US)`, mixSeed(cfg.seed, 3 + i), cfg, cfg.asOf, events));
    state.replace([primary, secondary, ...extras]);
    // Seeding is a burst of edits: a configured webhook hears about every contact and invoice.
    webhooks.emit(events);
    return { seed: cfg.seed, asOf: cfg.asOf, tenants: [primary, secondary, ...extras].map(summarise) };
  };
  const setWebhook = (cfg: { url: string; key: string }) => webhooks.configure(cfg);
  seed({});

  registerBodyParsers(app);
  registerLostResponseHook(app);
  app.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    void reply.code(status).send({ Title: status === 413 ? 'Request Entity Too Large' : 'Error', Status: status, Detail: error.message ?? 'error' });
  });

  // Unknown paths get Xero's plain-text 404 (XeroAPI/Xero-OpenAPI#163), not the framework's JSON.
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).type('text/plain; charset=utf-8').send("The resource you're looking for cannot be found");
  });

  const deps: ApiDeps = { ctx, state, auth, limits, webhooks, idempotency: new IdempotencyCache(ctx.clock), routes: [] };
  registerIdentityRoutes(app, ctx, auth, state, () => base);
  registerOrganisationRoutes(app, deps);
  registerAccountRoutes(app, deps);
  registerTrackingRoutes(app, deps);
  registerContactRoutes(app, deps);
  registerInvoiceRoutes(app, deps);
  registerPaymentRoutes(app, deps);
  registerPurchaseOrderRoutes(app, deps);
  registerControlRoutes(app, { ctx, state, webhooks, seed, setWebhook });

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  base = `http://${host}:${address.port}`;

  return {
    urls: { base, api: apiBase(), identity: base, login: base, connections: `${base}/connections` },
    sandbox: { ...SANDBOX_CLIENT },
    ctx,
    state,
    seed: (input) => seed(input),
    setWebhook,
    flushWebhooks: () => webhooks.flush(),
    login: (o = {}) => sandboxLogin(base, SANDBOX_CLIENT, o),
    otherApp: async (name) => {
      const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
      const client = { clientId: `app-${slug}`, clientSecret: `secret-${slug}` };
      auth.registerClient({ ...client, name });
      return { clientId: client.clientId, tokens: await sandboxLogin(base, client, {}) };
    },
    tenantIds: { primary: primaryId, secondary: secondaryId },
    apiRoutes: [...deps.routes],
    stop: async () => {
      webhooks.stop();
      ctx.webhooks.stop();
      await app.close();
    },
  };
}

/** Xero in the emulator registry (src/emulators/index.ts). */
export const xeroEmulator: EmulatorDefinition<'xero', XeroEmulator> = {
  id: 'xero',
  start: (options) => startXeroEmulator(options),
  describe: (xero) => ({
    api: xero.urls.api,
    identity: xero.urls.identity,
    login: xero.urls.login,
    connections: xero.urls.connections,
    control: `${xero.urls.base}/_emulator`,
    sandbox: xero.sandbox,
  }),
};
