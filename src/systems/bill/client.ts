import type { Clock } from '../../core/clock.ts';
import type { TransportMetricsSnapshot } from '../../http/metrics.ts';
import type { Transport } from '../../http/transport.ts';
import { createSystemTransport, type SystemTransportOptions } from '../system-transport.ts';
import type { CredentialStore, Environment } from '../types.ts';
import { BillSessionManager, type BillCredentials } from './auth.ts';
import { classifyBillFailure } from './errors.ts';
import { BillOrgClient, type BillCaps } from './org-client.ts';
import { billSpec } from './spec.ts';

export interface BillUrls {
  /** `<gateway>/connect/v3` */
  api: string;
  /** `<gateway>/connect-events/v3` (webhook subscriptions) */
  events: string;
}

export interface BillClientOptions extends SystemTransportOptions {
  credentials: CredentialStore<BillCredentials>;
  environment?: Environment;
  urls?: Partial<BillUrls>;
  clock?: Clock;
  /** Lower the bulk caps (e.g. bills 100 for orgs on the older limit). */
  caps?: Partial<BillCaps>;
  assumeExpiredAfterSeconds?: number;
}

/**
 * The BILL client for one connection (devKey + user + organisation).
 * @example
 * const bill = createBillClient({ credentials: store, environment: 'sandbox' });
 * for await (const page of bill.forOrg(orgId).iterateVendors({ updatedSince: cursor })) save(page);
 */
export class BillClient {
  constructor(
    readonly session: BillSessionManager,
    readonly transport: Transport,
    readonly urls: BillUrls,
    private readonly caps: BillCaps,
  ) {}

  forOrg(organizationId: string): BillOrgClient {
    return new BillOrgClient(organizationId, {
      transport: this.transport,
      session: this.session,
      api: this.urls.api.replace(/\/+$/, ''),
      events: this.urls.events.replace(/\/+$/, ''),
      caps: this.caps,
    });
  }

  get metrics(): TransportMetricsSnapshot {
    return this.transport.metrics;
  }
}

export function createBillClient(options: BillClientOptions): BillClient {
  const urls: BillUrls = { ...billSpec.urls[options.environment ?? 'production'], ...options.urls };
  const { transport, logger } = createSystemTransport(billSpec, classifyBillFailure, options);
  const session = new BillSessionManager({
    transport,
    store: options.credentials,
    api: urls.api.replace(/\/+$/, ''),
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.assumeExpiredAfterSeconds !== undefined ? { assumeExpiredAfterSeconds: options.assumeExpiredAfterSeconds } : {}),
  });
  const caps: BillCaps = {
    bills: Math.min(options.caps?.bills ?? billSpec.batchCaps.bills, billSpec.batchCaps.bills),
    vendors: Math.min(options.caps?.vendors ?? billSpec.batchCaps.vendors, billSpec.batchCaps.vendors),
    classifications: Math.min(options.caps?.classifications ?? billSpec.batchCaps.classifications, billSpec.batchCaps.classifications),
  };
  return new BillClient(session, transport, urls, caps);
}
