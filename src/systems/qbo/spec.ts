import type { SystemSpec } from '../types.ts';

/** https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles */
const LIMITS_DOC = 'https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles';
// SDK_CONSTANTS below: the endpoints and default minor version in intuit/QuickBooks-V3-PHP-SDK
// src/Core/CoreConstants.php.

/**
 * The `minorversion` sent on every call. Since 1 August 2025 values below 75 are ignored and the
 * API answers as 75 (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/minor-versions;
 * DEFAULT_SDK_MINOR_VERSION in SDK_CONSTANTS).
 */
export const qboMinorVersion = '75';

/** Rows per query page: MAXRESULTS caps at 1000, default 100 (Intuit data-queries docs, ruckus/quickbooks-ruby#263). */
export const qboMaxResults = 1000;

/** Longest DocNumber QBO takes on a Bill or PurchaseOrder (Finance.xsd, Bill/DocNumber). */
export const qboDocNumberMax = 21;

/**
 * QuickBooks Online as data. Limits per realm (company): 500 requests/minute, batch calls
 * included, and 10 concurrent requests per realm and app (LIMITS_DOC;
 * https://developer.intuit.com/hub/blog/2016/08/08/idg-concurrent-api-use-changes-coming-soon).
 * Batch requests have their own 40/minute per realm and app (LIMITS_DOC); the connector's batches
 * are few enough that the minute budget covers them. Budgets sit just under the published numbers.
 */
export const qboSpec = {
  id: 'qbo',
  displayName: 'QuickBooks Online',
  urls: {
    // SDK_CONSTANTS: QBO_BASEURL / IPP sandbox base URL; OAuth endpoints are the same for both.
    production: {
      api: 'https://quickbooks.api.intuit.com',
      appcenter: 'https://appcenter.intuit.com',
      oauth: 'https://oauth.platform.intuit.com',
      revoke: 'https://developer.api.intuit.com',
    },
    sandbox: {
      api: 'https://sandbox-quickbooks.api.intuit.com',
      appcenter: 'https://appcenter.intuit.com',
      oauth: 'https://oauth.platform.intuit.com',
      revoke: 'https://developer.api.intuit.com',
    },
  },
  auth: {
    kind: 'oauth2-code',
    // Intuit's OAuth 2.0 docs describe a confidential-client code flow with client secret; no PKCE.
    pkce: false,
    // SDK_CONSTANTS: OAUTH2_AUTHORIZATION_REQUEST_URL, token endpoint, REVOCATION_ENDPONT.
    authorizeUrl: '{appcenter}/connect/oauth2',
    tokenUrl: '{oauth}/oauth2/v1/tokens/bearer',
    revokeUrl: '{revoke}/v2/oauth2/tokens/revoke',
    // Access tokens live one hour (https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/faq).
    accessTokenTtlSeconds: 3600,
    // Refreshed five minutes early: about every 55 minutes.
    refreshSkewSeconds: 300,
    // Refresh tokens roll: 100 days, extended on each use (https://blogs.intuit.com/2024/06/03/oauth-token-management-done-the-right-way/).
    refreshTokenIdleSeconds: 100 * 24 * 3600,
    defaultScopes: ['com.intuit.quickbooks.accounting'],
    reconnectCommand: 'ml-connector connect qbo',
  },
  limits: {
    concurrency: { published: 10, budget: 10, scope: 'tenant', source: LIMITS_DOC },
    windows: [
      { name: 'minute', published: 500, budget: 480, windowMs: 60_000, scope: 'tenant', alignment: 'rolling', onExhaust: 'wait', group: 'api', source: LIMITS_DOC },
    ],
  },
  webhook: {
    // https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications
    signatureHeader: 'intuit-signature',
    algorithm: 'hmac-sha256-base64',
    keyName: 'verifier token',
  },
  batchCaps: {
    // BatchItemRequest takes at most 30 items (LIMITS_DOC; https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/batch).
    batch: 30,
    pageSize: qboMaxResults,
  },
  // Intuit ends requests running longer than 120 s (LIMITS_DOC); ours give up well before.
  timeoutMs: 60_000,
} as const satisfies SystemSpec;
