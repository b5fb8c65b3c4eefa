import type { SystemSpec } from '../types.ts';

const LIMITS_DOC = 'https://developer.bill.com/docs/api-rate-limits';

/**
 * BILL v3 as data. Concurrency is 3 simultaneous requests per devKey per organisation (BDC_1322);
 * 20,000 requests per devKey per hour (BDC_1144, "wait until the start of the next hour"); logins
 * 200 per devKey per hour (LIMITS_DOC). Sessions end after 35 idle minutes
 * (https://developer.bill.com/reference/login).
 */
export const billSpec = {
  id: 'bill',
  displayName: 'BILL',
  urls: {
    // https://developer.bill.com/docs/environmental-differences
    production: { api: 'https://gateway.prod.bill.com/connect/v3', events: 'https://gateway.prod.bill.com/connect-events/v3' },
    sandbox: { api: 'https://gateway.stage.bill.com/connect/v3', events: 'https://gateway.stage.bill.com/connect-events/v3' },
  },
  auth: {
    kind: 'session-login',
    idleTimeoutSeconds: 35 * 60,
    // Log in again after 30 idle minutes: five minutes of margin for clocks and slow calls.
    assumeExpiredAfterSeconds: 30 * 60,
    reconnectCommand: 'ml-connector connect bill',
  },
  limits: {
    concurrency: { published: 3, budget: 3, scope: 'tenant', source: LIMITS_DOC },
    windows: [
      { name: 'hour', published: 20_000, budget: 19_500, windowMs: 3_600_000, scope: 'app', alignment: 'clock', onExhaust: 'park', group: 'api', source: LIMITS_DOC },
      { name: 'login', published: 200, budget: 190, windowMs: 3_600_000, scope: 'app', alignment: 'rolling', onExhaust: 'park', group: 'login', source: LIMITS_DOC },
    ],
  },
  webhook: {
    // https://developer.bill.com/docs/test-with-webhook-security
    signatureHeader: 'x-bill-sha-signature',
    algorithm: 'hmac-sha256-base64',
    keyName: 'subscription security key',
  },
  batchCaps: {
    // https://developer.bill.com/reference/createbulkbills (200; the Nov-2025 collection says 100)
    bills: 200,
    vendors: 20,
    // Classification bulk creates (chart of accounts, departments, ...) per the v3 collection.
    classifications: 50,
    pageSize: 100,
    // Ids per `in:` filter: keeps the query string short.
    idsPerFilter: 50,
  },
  timeoutMs: 30_000,
} as const satisfies SystemSpec;
