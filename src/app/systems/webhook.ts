import type { SideDeps } from './types.ts';

/** The entities a webhook can ask the connector to re-read. */
export type WebhookEntity = 'vendor' | 'bill' | 'payment';

/**
 * One event a system sent, read and verified, before routing: which of its tenants it concerns
 * (the Xero tenant, the BILL organisation), what to re-read, and what identifies it.
 */
export interface ReceivedEvent {
  tenantId: string;
  entity: WebhookEntity;
  id: string;
  /** Unique per system and link: a repeated delivery gives the same key, a later change another. */
  eventKey(link: string): string;
  /** What is kept in webhook_events: identifiers only, no entity data. */
  payload: Record<string, unknown>;
}

/**
 * What a receiver made of one delivery: 401 when the signature does not hold, 400 when the signed
 * body cannot be read, 403 when it is signed but concerns a tenant no connection here is for, or
 * not the tenant the URL names (in each, nothing is recorded); 200 with the events to follow up
 * (possibly none: a probe, or only event types the connector does not sync).
 */
export type WebhookReading = { status: 400 | 401 | 403 } | { status: 200; events: ReceivedEvent[] };

/** A system's webhook receiver: the signature is checked over the raw body before it is parsed. */
export interface WebhookReceiver {
  /** Header carrying the signature, lower-case (from the spec). */
  signatureHeader: string;
  /**
   * Whether the webhook URL may name a tenant after the system (`/webhooks/<id>/<tenant>`), as a
   * vendor whose app registers one endpoint per company allows; `read` then gets it as `scope`
   * and refuses events of any other tenant. Without it such URLs are unknown (404).
   */
  scoped?: boolean;
  read(deps: SideDeps, rawBody: Buffer, signature: string | string[] | undefined, scope?: string): Promise<WebhookReading>;
}

/** One stored subscription as a check found it: ok; reenabled (the vendor had disabled it); recreated (it was gone). */
export interface SubscriptionCheck {
  tenantId: string;
  outcome: 'ok' | 'reenabled' | 'recreated' | 'error';
  error?: string;
}

/**
 * Webhook subscriptions the connector itself must create and watch at a vendor (BILL: one per
 * organisation, disabled by BILL after failed deliveries). Systems whose webhooks are set up by a
 * person in the vendor's app settings (Xero) have none.
 */
export interface WebhookSubscriptions {
  /** Sets up the subscription of every connection of this system a link uses (onlyMissing: those with none stored yet). */
  ensure(services: SideDeps & { publicUrl: string }, options?: { onlyMissing?: boolean }): Promise<void>;
  /** Checks and repairs the stored subscriptions; a tenant not 'ok' or 'error' missed events and needs a catch-up sync. */
  check(services: SideDeps & { publicUrl: string }): Promise<SubscriptionCheck[]>;
}
