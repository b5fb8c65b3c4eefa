import type { LimitsSpec } from '../http/limits-spec.ts';

/**
 * What every external system declares as data (spec.ts per folder), so shared code (transport,
 * limiter, webhook routes, OAuth routes) reads behaviour from the spec instead of branching on the
 * system id. Shaped to fit Xero and BILL now and QuickBooks Online and Acumatica next.
 */
/**
 * Every system id, defined here once: the lowest layer that names systems, so everything above
 * (model, store, engine, server) derives its lists and enums from it. The SQL check constraints
 * cannot import it; tests/store/system-ids.test.ts holds them to this list.
 */
export const systemIds = ['xero', 'bill', 'qbo', 'acumatica'] as const;
export type SystemId = (typeof systemIds)[number];
/** The ledgers a link pairs with BILL (BILL is the hub of every pair). */
export type ErpSystemId = Exclude<SystemId, 'bill'>;
export const erpSystemIds: readonly ErpSystemId[] = systemIds.filter((s): s is ErpSystemId => s !== 'bill');
export type Environment = 'production' | 'sandbox';

export type AuthSpec =
  | {
      kind: 'oauth2-code';
      /** PKCE S256 is sent when true (Xero supports it for every app type). */
      pkce: boolean;
      /** Names in `urls` of the endpoints. */
      authorizeUrl: string;
      tokenUrl: string;
      revokeUrl?: string;
      accessTokenTtlSeconds: number;
      /** Refresh this long before the access token expires. */
      refreshSkewSeconds: number;
      /** An unused refresh token lapses after this long; then only a new consent helps. */
      refreshTokenIdleSeconds: number;
      defaultScopes: readonly string[];
      /** The command a user runs when the connection must be made again. */
      reconnectCommand: string;
    }
  | {
      kind: 'session-login';
      /** The service ends idle sessions after this long. */
      idleTimeoutSeconds: number;
      /** We log in again after this much idle time, a margin under the service's timeout. */
      assumeExpiredAfterSeconds: number;
      reconnectCommand: string;
    }
  | {
      /** OAuth 2.0 resource-owner password or client-credentials against a customer instance (Acumatica). */
      kind: 'oauth2-password';
      tokenPath: string;
      refreshSkewSeconds: number;
      reconnectCommand: string;
    };

export interface WebhookSpec {
  /** Header carrying the signature, lower-case. */
  signatureHeader: string;
  /**
   * How the sender proves itself: base64 HMAC-SHA256 over the raw body for Xero, BILL and QBO; a
   * static header value the receiver issued, compared whole, for Acumatica (which signs nothing).
   */
  algorithm: 'hmac-sha256-base64' | 'static-header';
  /** What the signing key is called on the vendor side (for messages and docs). */
  keyName: string;
}

export interface SystemSpec {
  id: SystemId;
  displayName: string;
  /**
   * Named base URLs per environment (e.g. api, identity, events). Values may hold `{placeholders}`
   * filled per connection (Acumatica's `{instanceUrl}`).
   */
  urls: Record<Environment, Readonly<Record<string, string>>>;
  auth: AuthSpec;
  limits: LimitsSpec;
  webhook: WebhookSpec | null;
  /** Per-request caps for batch/bulk writes, by operation name. */
  batchCaps: Readonly<Record<string, number>>;
  /** Default per-request timeout. */
  timeoutMs: number;
}

/**
 * Where a connection's credentials live. The engine implements it on the database (row lock or
 * advisory lock per connection); `MemoryCredentialStore` serves tests.
 */
export interface CredentialStore<C> {
  load(): Promise<C>;
  /** runs fn holding a cross-process lock for this connection; fn gets the freshly re-read credentials and may return updated ones to save before the lock is released */
  update(fn: (current: C) => Promise<C | undefined>): Promise<C>;
}
