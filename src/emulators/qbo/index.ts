import type { AddressInfo } from 'node:net';
import { EmulatorContext, createFastify, registerLostResponseHook, type EmulatorOptions } from '../kit/base.ts';
import { oauthLogin, type OAuthTokens } from '../kit/oauth/login.ts';
import { registerOAuthRoutes } from '../kit/oauth/routes.ts';
import type { EmulatorDefinition } from '../kit/registry.ts';
import { ACCOUNTING_SCOPE, QboAuth, scopeAllowed } from './auth.ts';
import { faultAnswer, malformed, unsupportedOperation, type QboAnswer } from './errors.ts';
import { registerControlRoutes } from './control.ts';
import { QboLimits } from './limits.ts';
import { send } from './pipeline.ts';
import { API_PREFIX, registerApiRoutes } from './routes.ts';
import { realmIdFor, seedInputSchema, seedRealm, summarise, type SeedInput, type SeedSummary } from './seed.ts';
import { QboState, type ChangeEvent } from './store.ts';
import { QboWebhooks } from './webhooks.ts';

/**
 * A local QuickBooks Online: Intuit's OAuth 2.0 endpoints and the Accounting API v3 under
 * /v3/company/{realmId} on one loopback port, with production's paths so only the host differs.
 * State is in memory and generated from a seed. See docs/emulators/qbo.md for what is enforced and
 * where each rule comes from.
 */

export type { SeedInput, SeedSummary } from './seed.ts';
export type { QboState } from './store.ts';

export interface QboEmulatorOptions extends EmulatorOptions {
  /** Requests per minute per realm (QBO: 500). */
  perMinuteLimit?: number;
  /** Requests in flight per realm and app (QBO: 10). */
  concurrentLimit?: number;
  /** Batch calls per minute per realm and app (QBO: 40) and per realm (QBO: 120). */
  batchPerMinutePerApp?: number;
  batchPerMinute?: number;
  /** Send the 429 as XML whatever the Accept header says, as Intuit has been seen doing (default false). */
  throttleAsXml?: boolean;
  /** Vendors and open bills in the seeded company (defaults 5 and 3). */
  initialSeed?: SeedInput;
}

export interface QboEmulator {
  urls: { base: string; api: string; authorize: string; token: string; revoke: string };
  /** The pre-registered app, the sandbox company it connects to and the webhook verifier token. */
  sandbox: { clientId: string; clientSecret: string; realmId: string; otherRealmId: string; webhookVerifierToken: string; scope: string };
  ctx: EmulatorContext;
  state: QboState;
  seed(input?: SeedInput): SeedSummary;
  dump(): Record<string, unknown>;
  /** Runs the sandbox app's authorize + token flow over HTTP; the redirect's realmId is the sandbox company. */
  login(opts?: { scope?: string; redirectUri?: string }): Promise<OAuthTokens>;
  /** Same as POST /_emulator/disconnect: the user removes the app from the company. */
  disconnect(realmId?: string): number;
  flushWebhooks(): Promise<void>;
  stop(): Promise<void>;
}

export const SANDBOX_APP = {
  clientId: 'mlc-qbo-sandbox-client',
  clientSecret: 'mlc-qbo-sandbox-secret',
  webhookVerifierToken: 'mlc-qbo-verifier-token',
} as const;

/**
 * Intuit's hosts use these paths (B1): appcenter.intuit.com/connect/oauth2,
 * oauth.platform.intuit.com/oauth2/v1/tokens/bearer and developer.api.intuit.com/v2/oauth2/tokens/revoke.
 */
export const OAUTH_PATHS = { authorize: '/connect/oauth2', token: '/oauth2/v1/tokens/bearer', revocation: '/v2/oauth2/tokens/revoke' } as const;

export async function startQboEmulator(opts: QboEmulatorOptions = {}): Promise<QboEmulator> {
  const ctx = new EmulatorContext(opts);
  const app = createFastify();
  const state = new QboState();
  const auth = new QboAuth(ctx.clock);
  auth.server.registerClient({ clientId: SANDBOX_APP.clientId, clientSecret: SANDBOX_APP.clientSecret, name: 'ML Connector Sandbox' });
  const webhooks = new QboWebhooks(ctx, SANDBOX_APP.webhookVerifierToken);
  const emit = (events: ChangeEvent[]) => webhooks.emit(events);
  // Realm ids follow the start seed, so tokens stay bound to their company across re-seeds.
  const realmIds = [realmIdFor(ctx.seed, 1), realmIdFor(ctx.seed, 2)] as const;
  const replays = new Map<string, Promise<QboAnswer>>();

  const seed = (input: unknown = {}): SeedSummary => {
    const cfg = seedInputSchema.parse(input ?? {});
    const n = cfg.seed ?? ctx.seed;
    const sizes = { vendors: cfg.vendors ?? opts.initialSeed?.vendors ?? 5, bills: cfg.bills ?? opts.initialSeed?.bills ?? 3 };
    const now = ctx.clock.now();
    const realms = [seedRealm(realmIds[0], 'Sandbox Company US', n * 2 + 1, sizes, now), seedRealm(realmIds[1], 'Other Company', n * 2 + 2, { vendors: 2, bills: 0 }, now)];
    state.replace(realms);
    // A requestid answered before the re-seed names records that no longer exist.
    replays.clear();
    return { seed: n, realms: realms.map(summarise) };
  };
  const dump = () => ({
    realms: [...state.realms.values()].map((r) => ({ ...summarise(r), deletions: r.deletions.length })),
    auth: auth.server.summary(),
    webhook: webhooks.config,
  });
  seed(opts.initialSeed ?? {});
  auth.consentRealm = realmIds[0];

  registerLostResponseHook(app);
  // Query bodies come as text (B2: application/text or text/plain).
  app.addContentTypeParser('application/text', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
    const answer: QboAnswer = faultAnswer(malformed(`Request has invalid or unsupported content: ${error.message ?? 'error'}`), ctx.clock.now());
    return send(reply, error.statusCode === 413 ? { ...answer, status: 413 } : answer);
  });
  // Under a company, an unknown resource is QBO's 400 "Unsupported Operation" (B8.1); elsewhere a plain 404.
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith(`${API_PREFIX}/`)) return send(reply, faultAnswer(unsupportedOperation(request.url.split('?')[0]!), ctx.clock.now()));
    return reply.code(404).type('text/plain; charset=utf-8').send('Not Found');
  });
  registerOAuthRoutes(app, ctx, auth.server, {
    paths: OAUTH_PATHS,
    scopeAllowed,
    onConsent: ({ authorizationId }) => auth.consent(authorizationId),
  });
  const limits = new QboLimits(ctx.clock, ctx.stats, {
    perMinute: opts.perMinuteLimit, concurrent: opts.concurrentLimit, batchPerMinutePerApp: opts.batchPerMinutePerApp, batchPerMinute: opts.batchPerMinute,
  });
  const quirks = { throttleAsXml: opts.throttleAsXml ?? false };
  registerApiRoutes(app, { ctx, auth, limits, state, replays, emit, throttleAsXml: () => quirks.throttleAsXml });
  registerControlRoutes(app, { ctx, state, auth, webhooks, seed, dump, emit, quirks });

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const base = `http://${host}:${address.port}`;
  const urls = { base, api: `${base}${API_PREFIX}`, authorize: `${base}${OAUTH_PATHS.authorize}`, token: `${base}${OAUTH_PATHS.token}`, revoke: `${base}${OAUTH_PATHS.revocation}` };
  const client = { clientId: SANDBOX_APP.clientId, clientSecret: SANDBOX_APP.clientSecret };

  return {
    urls,
    sandbox: { ...client, realmId: realmIds[0], otherRealmId: realmIds[1], webhookVerifierToken: SANDBOX_APP.webhookVerifierToken, scope: ACCOUNTING_SCOPE },
    ctx,
    state,
    seed: (input) => seed(input),
    dump,
    login: (o = {}) => oauthLogin({ authorizeUrl: urls.authorize, tokenUrl: urls.token, client, scope: o.scope ?? ACCOUNTING_SCOPE, ...(o.redirectUri ? { redirectUri: o.redirectUri } : {}) }),
    disconnect: (realmId) => auth.disconnect(realmId ?? realmIds[0]),
    flushWebhooks: () => webhooks.flush(),
    stop: async () => {
      webhooks.stop();
      ctx.webhooks.stop();
      await app.close();
    },
  };
}

/** QuickBooks Online in the emulator registry. */
export const qboEmulator: EmulatorDefinition<'qbo', QboEmulator> = {
  id: 'qbo',
  start: (options) => startQboEmulator(options),
  describe: (qbo) => ({
    api: qbo.urls.api,
    authorize: qbo.urls.authorize,
    token: qbo.urls.token,
    revoke: qbo.urls.revoke,
    control: `${qbo.urls.base}/_emulator`,
    sandbox: qbo.sandbox,
  }),
};
