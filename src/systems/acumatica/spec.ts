import type { AuthSpec, SystemSpec } from '../types.ts';

/** Acumatica's "License Restrictions for API Users" page (Integration Development Guide). */
const LICENCE_DOC = 'Acumatica Integration Development Guide, License Restrictions for API Users (github.com/Acumatica/Acumatica-AI-Resources, IS__con_License_Restrictions_API_Users.md)';

/** The endpoint the connector's wire shapes follow (schema.ts, from Acumatica's own swagger.json of it). */
export const acumaticaEndpoint = { name: 'Default', version: '24.200.001' } as const;

/** Endpoint versions whose entities and fields the connector reads and writes; an instance must offer one of them. */
export const supportedEndpointVersions: readonly string[] = [acumaticaEndpoint.version];

/**
 * Acumatica as data. Each customer runs its own instance, so every URL is a template over the
 * connection's `{instanceUrl}` (and the endpoint `{version}`); there is no shared host.
 *
 * Sessions: cookie sign-in is `POST {instanceUrl}/entity/auth/login`; a session that is not signed
 * out keeps a licence seat (Maximum Number of Web Services API Users, trial licence: 2) until it
 * times out (LICENCE_DOC; Sign Out example). The idle timeout is not published: about 20 minutes
 * (the ASP.NET session default) is assumed. The session is treated as gone a minute *after* that,
 * not before: forgetting a session that is still alive would strand a licence seat until it times
 * out, while calling on a dead one costs a single 401 and one new login (session-login.ts).
 *
 * Limits are the licence's (License Monitoring Console, SM604000) and differ per customer; none
 * is published for a tier (published per-tier figures are third-party guidance only). Requests
 * past the concurrency cap are queued by the server, not refused; once the requests of the past
 * minute reach half the per-minute allowance each new one is delayed; 429 comes only with more
 * than 20 requests queued or one waiting over 10 minutes (LICENCE_DOC). So the budgets keep the
 * connector under the cap and under half of the minute allowance, where the server neither queues
 * nor slows it; connections with a larger licence raise them through `config.limits`.
 */
export const acumaticaSpec = {
  id: 'acumatica',
  displayName: 'Acumatica',
  urls: {
    production: {
      instance: '{instanceUrl}',
      endpoints: '{instanceUrl}/entity',
      api: '{instanceUrl}/entity/Default/{version}',
      login: '{instanceUrl}/entity/auth/login',
      logout: '{instanceUrl}/entity/auth/logout',
      token: '{instanceUrl}/identity/connect/token',
    },
    // A sandbox is another instance (or tenant) of the customer's: the same paths.
    sandbox: {
      instance: '{instanceUrl}',
      endpoints: '{instanceUrl}/entity',
      api: '{instanceUrl}/entity/Default/{version}',
      login: '{instanceUrl}/entity/auth/login',
      logout: '{instanceUrl}/entity/auth/logout',
      token: '{instanceUrl}/identity/connect/token',
    },
  },
  auth: {
    kind: 'session-login',
    idleTimeoutSeconds: 20 * 60,
    assumeExpiredAfterSeconds: 21 * 60,
    reconnectCommand: 'ml-connector connect acumatica',
  },
  limits: {
    // Maximum Number of Concurrent Web Services API Requests: licence-specific; 4 is a small licence.
    concurrency: { published: 4, budget: 3, scope: 'tenant', source: LICENCE_DOC },
    windows: [
      // Maximum Web Services API Requests per Minute: licence-specific (100 is a common small-tier
      // figure, unverified); the server slows every request once half of it is used.
      { name: 'minute', published: 100, budget: 50, windowMs: 60_000, scope: 'tenant', alignment: 'rolling', onExhaust: 'wait', group: 'api', source: LICENCE_DOC },
    ],
  },
  // Push notifications carry one static header, no signature (Push Notifications destinations,
  // SM302000): the connector issues each connection a value for it (see webhooks.ts).
  webhook: {
    signatureHeader: 'x-mlc-push-token',
    algorithm: 'static-header',
    keyName: 'push notification header value',
  },
  batchCaps: {
    // No $top maximum is documented; an unbounded list can hit the SQL Resource Governor
    // (Parameter_top example), so lists are read in pages.
    pageSize: 100,
    // Keys per `$filter=… or …` read: keeps the query string short.
    idsPerFilter: 20,
    // A PUT writes one record.
    write: 1,
    // "Split detail lines across several requests (for example, 500 lines each)" (Create_Record example).
    detailLines: 500,
  },
  // A request the licence queues is served when a processing core frees up and may wait up to 10
  // minutes before it is declined; the client "must keep the connection open" (LICENCE_DOC). Our
  // own budgets keep our requests out of that queue, so a few minutes cover other integrations'.
  timeoutMs: 180_000,
} as const satisfies SystemSpec;

/**
 * The OAuth 2.0 alternative to cookie sign-in: resource-owner password grant at
 * `{instanceUrl}/identity/connect/token`, client id `<GUID>@<Tenant>` (Connected Applications,
 * SM303010), one-hour access tokens, refresh tokens (scope `offline_access`) replaced on every
 * use (OAuthOIDC_ResourceOwner_AccessToken, OAuthOIDC_GettingStarted_RefreshToken).
 */
export const acumaticaOAuthSpec = {
  kind: 'oauth2-password',
  tokenPath: '/identity/connect/token',
  refreshSkewSeconds: 120,
  reconnectCommand: 'ml-connector connect acumatica',
} as const satisfies AuthSpec;

export const acumaticaOAuthLifetimes = {
  accessTokenTtlSeconds: 3600,
  refreshSkewSeconds: acumaticaOAuthSpec.refreshSkewSeconds,
  /** `api` for REST calls, `offline_access` for refresh tokens. */
  defaultScopes: ['api', 'offline_access'] as readonly string[],
} as const;

/** How long a long-running action (ReleaseCheck, ...) is polled, and how often (Action_Execution example: 202 + Location until 204). */
export const actionPolling = { intervalMs: 500, maxWaitMs: 10 * 60_000 } as const;
