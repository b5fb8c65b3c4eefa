import type { SystemSpec } from '../types.ts';

const LIMITS_DOC = 'https://developer.xero.com/documentation/oauth2/limits';

/**
 * Xero as data. Limits per tenant (app + organisation connection): 5 concurrent, 60/minute,
 * 5,000/day, and 10,000/minute across all tenants of the app (LIMITS_DOC). Budgets sit just under
 * the published numbers. Starter-tier apps get 1,000/day since March 2026
 * (https://developer.xero.com/faq/pricing-and-policy-updates): lower `day.budget` for those.
 */
export const xeroSpec = {
  id: 'xero',
  displayName: 'Xero',
  urls: {
    production: {
      api: 'https://api.xero.com/api.xro/2.0',
      login: 'https://login.xero.com',
      identity: 'https://identity.xero.com',
      connections: 'https://api.xero.com/connections',
    },
    // Xero has no separate sandbox host: a demo company is a tenant like any other.
    sandbox: {
      api: 'https://api.xero.com/api.xro/2.0',
      login: 'https://login.xero.com',
      identity: 'https://identity.xero.com',
      connections: 'https://api.xero.com/connections',
    },
  },
  auth: {
    kind: 'oauth2-code',
    pkce: true,
    // https://developer.xero.com/documentation/oauth2/auth-flow and /pkce-flow
    authorizeUrl: '{login}/identity/connect/authorize',
    tokenUrl: '{identity}/connect/token',
    revokeUrl: '{identity}/connect/revocation',
    // Access tokens live 30 minutes: https://developer.xero.com/faq/oauth2
    accessTokenTtlSeconds: 1800,
    refreshSkewSeconds: 120,
    // An unused refresh token expires after 60 days: https://developer.xero.com/faq/oauth2
    refreshTokenIdleSeconds: 60 * 24 * 3600,
    // Broad scopes; apps created after 2 March 2026 must ask for granular ones instead
    // (accounting.invoices, accounting.payments): https://developer.xero.com/faq/granular-scopes
    defaultScopes: ['openid', 'profile', 'email', 'offline_access', 'accounting.transactions', 'accounting.contacts', 'accounting.settings'],
    reconnectCommand: 'ml-connector connect xero',
  },
  limits: {
    concurrency: { published: 5, budget: 5, scope: 'tenant', source: LIMITS_DOC },
    windows: [
      { name: 'minute', published: 60, budget: 57, windowMs: 60_000, scope: 'tenant', alignment: 'rolling', onExhaust: 'wait', group: 'api', source: LIMITS_DOC },
      { name: 'day', published: 5000, budget: 4900, windowMs: 86_400_000, scope: 'tenant', alignment: 'rolling', onExhaust: 'park', group: 'api', source: LIMITS_DOC },
      { name: 'app minute', published: 10_000, budget: 9500, windowMs: 60_000, scope: 'app', alignment: 'rolling', onExhaust: 'wait', group: 'api', source: LIMITS_DOC },
    ],
  },
  webhook: {
    // https://developer.xero.com/documentation/webhooks/configuring-your-server
    signatureHeader: 'x-xero-signature',
    algorithm: 'hmac-sha256-base64',
    keyName: 'webhook key',
  },
  batchCaps: {
    // No hard cap; ~50 elements keeps a request under 3.5 MB and the ID list under URL limits
    // (https://developer.xero.com/documentation/auth-and-limits/xero-api-limits, XeroAPI/Xero-Java#331).
    write: 50,
    idsPerGet: 50,
    pageSize: 1000,
  },
  timeoutMs: 30_000,
} as const satisfies SystemSpec;
