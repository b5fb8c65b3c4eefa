import type { Clock } from '../../core/clock.ts';
import type { TransportMetricsSnapshot } from '../../http/metrics.ts';
import type { Transport } from '../../http/transport.ts';
import { createSystemTransport, type SystemTransportOptions } from '../system-transport.ts';
import type { CredentialStore, Environment } from '../types.ts';
import { QboOAuth, QboTokenManager, type QboCredentials, type QboUrls } from './auth.ts';
import { QboCompanyClient } from './company-client.ts';
import { classifyQboFailure } from './errors.ts';
import { qboSpec } from './spec.ts';

export interface QboClientOptions extends SystemTransportOptions {
  clientId: string;
  clientSecret: string;
  /** The connection's tokens; the engine backs this with its database. */
  credentials: CredentialStore<QboCredentials>;
  /** Sandbox and production companies live on different API hosts (chosen per connection). */
  environment?: Environment;
  /** Override base URLs (the emulator, a proxy). */
  urls?: Partial<QboUrls>;
  clock?: Clock;
  refreshSkewSeconds?: number;
}

/**
 * The QuickBooks Online client for one connection (one grant, bound to one company).
 * @example
 * const qbo = createQboClient({ clientId, clientSecret, credentials: store, environment: 'sandbox' });
 * const vendors = await qbo.forRealm(realmId).queryAll('Vendor');
 */
export class QboClient {
  constructor(
    readonly oauth: QboOAuth,
    readonly tokens: QboTokenManager,
    readonly transport: Transport,
    readonly urls: QboUrls,
  ) {}

  forRealm(realmId: string): QboCompanyClient {
    return new QboCompanyClient(realmId, { transport: this.transport, auth: this.tokens, api: this.urls.api });
  }

  get metrics(): TransportMetricsSnapshot {
    return this.transport.metrics;
  }
}

export function qboUrls(environment: Environment = 'production', overrides: Partial<QboUrls> = {}): QboUrls {
  return { ...qboSpec.urls[environment], ...overrides };
}

export function createQboClient(options: QboClientOptions): QboClient {
  const urls = qboUrls(options.environment, options.urls);
  const { transport, logger } = createSystemTransport(qboSpec, classifyQboFailure, options);
  const oauth = new QboOAuth({ clientId: options.clientId, clientSecret: options.clientSecret, urls, transport, logger, ...(options.clock ? { clock: options.clock } : {}) });
  const tokens = new QboTokenManager(oauth, options.credentials, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.refreshSkewSeconds !== undefined ? { refreshSkewSeconds: options.refreshSkewSeconds } : {}),
  });
  return new QboClient(oauth, tokens, transport, urls);
}
