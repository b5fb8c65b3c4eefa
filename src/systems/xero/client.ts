import type { Clock } from '../../core/clock.ts';
import type { TransportMetricsSnapshot } from '../../http/metrics.ts';
import type { Transport } from '../../http/transport.ts';
import { createSystemTransport, type SystemTransportOptions } from '../system-transport.ts';
import type { CredentialStore, Environment } from '../types.ts';
import { XeroOAuth, type XeroCredentials, type XeroUrls } from './auth.ts';
import { classifyXeroFailure } from './errors.ts';
import type { XeroConnection } from './schema.ts';
import { xeroSpec } from './spec.ts';
import { XeroTenantClient } from './tenant-client.ts';
import { XeroTokenManager } from './token-manager.ts';

export interface XeroClientOptions extends SystemTransportOptions {
  clientId: string;
  clientSecret?: string;
  /** The connection's tokens; the engine backs this with its database. */
  credentials: CredentialStore<XeroCredentials>;
  environment?: Environment;
  /** Override base URLs (the emulator, a proxy). */
  urls?: Partial<XeroUrls>;
  clock?: Clock;
  refreshSkewSeconds?: number;
}

/**
 * The Xero client for one connection (one token set, possibly several tenants).
 * @example
 * const xero = createXeroClient({ clientId, clientSecret, credentials: store });
 * const org = await xero.forTenant(tenantId).getOrganisation();
 */
export class XeroClient {
  constructor(
    readonly oauth: XeroOAuth,
    readonly tokens: XeroTokenManager,
    readonly transport: Transport,
    readonly urls: XeroUrls,
  ) {}

  forTenant(tenantId: string): XeroTenantClient {
    return new XeroTenantClient(tenantId, { transport: this.transport, auth: this.tokens, api: this.urls.api.replace(/\/+$/, '') });
  }

  /** Tenants reachable with this connection's token. */
  async listConnections(): Promise<XeroConnection[]> {
    return this.oauth.listConnections(await this.tokens.accessToken());
  }

  get metrics(): TransportMetricsSnapshot {
    return this.transport.metrics;
  }
}

export function xeroUrls(environment: Environment = 'production', overrides: Partial<XeroUrls> = {}): XeroUrls {
  return { ...xeroSpec.urls[environment], ...overrides };
}

export function createXeroClient(options: XeroClientOptions): XeroClient {
  const urls = xeroUrls(options.environment, options.urls);
  const { transport, logger } = createSystemTransport(xeroSpec, classifyXeroFailure, options);
  const oauth = new XeroOAuth({ clientId: options.clientId, clientSecret: options.clientSecret, urls, transport, logger, ...(options.clock ? { clock: options.clock } : {}) });
  const tokens = new XeroTokenManager(oauth, options.credentials, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.refreshSkewSeconds !== undefined ? { refreshSkewSeconds: options.refreshSkewSeconds } : {}),
  });
  return new XeroClient(oauth, tokens, transport, urls);
}
