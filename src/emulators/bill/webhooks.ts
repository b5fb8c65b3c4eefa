/**
 * Event notifications (reference A12). Each change is offered to every enabled subscription of the
 * organisation that lists the event type. A notification is `{metadata:{eventId, subscriptionId,
 * organizationId, eventType, version:"1"}, <entity>: partial snapshot}`, signed with
 * `x-bill-sha-signature` = base64 HMAC-SHA256(securityKey, exact body bytes). Success is HTTP 200
 * within 10 s; failures are retried after 2, 4, 8 and 16 s (× webhookDelayScale); after the fifth
 * failed attempt the event stays in the history as FAILED (the dead-letter side) and the subscription
 * is disabled (`status.enabled=false`) so nothing more is sent until it is re-enabled. Duplicates,
 * reordering and drops come from ctx.faults through the kit sender.
 */
import type { EmulatorContext } from '../kit/base.ts';
import { signBody } from '../kit/webhook-sender.ts';
import type { EventRecord, Organization, Subscription } from './model.ts';
import type { ResolvedOptions } from './options.ts';
import type { BillState } from './state.ts';

export const signatureHeader = 'x-bill-sha-signature';

/** Event types with their versions, as `GET /v3/events/catalog` lists them ([BD:notification-payloads-reference]). */
export const eventCatalog: readonly { type: string; versions: string[] }[] = [
  'vendor.created',
  'vendor.updated',
  'vendor.archived',
  'vendor.restored',
  'bill.created',
  'bill.updated',
  'bill.archived',
  'bill.restored',
  'payment.updated',
  'payment.failed',
].map((type) => ({ type, versions: ['1'] }));

export const retryDelaysMs = [2000, 4000, 8000, 16000] as const;

export type EntityKey = 'vendor' | 'bill' | 'payment';

export class BillWebhooks {
  constructor(
    private readonly ctx: EmulatorContext,
    private readonly state: BillState,
    private readonly options: ResolvedOptions,
  ) {}

  /** Records and sends one notification per subscribed, enabled subscription. */
  emit(org: Organization, eventType: string, entityKey: EntityKey, entity: Record<string, unknown>, entityId: string): void {
    for (const sub of org.subscriptions.values()) {
      if (!sub.enabled || !sub.events.some((e) => e.type === eventType)) continue;
      const record = this.record(org, sub, eventType, { [entityKey]: entity }, entityId);
      this.deliverWithRetries(org, sub, record);
    }
  }

  /** Adds a notification to the subscription's history without sending it. */
  record(org: Organization, sub: Subscription, eventType: string, body: Record<string, unknown>, entityId: string): EventRecord {
    const id = this.state.newEventId();
    const payload = JSON.stringify({
      metadata: { eventId: id, subscriptionId: sub.id, organizationId: org.id, eventType, version: '1' },
      ...body,
    });
    const record: EventRecord = {
      id,
      type: eventType,
      version: '1',
      subscriptionId: sub.id,
      entityId,
      payload,
      createdTime: this.state.now(),
      statusCode: 0,
      deliveryStatus: 'PENDING',
      attempts: 0,
    };
    const history = org.events.get(sub.id) ?? [];
    history.push(record);
    org.events.set(sub.id, history);
    return record;
  }

  private deliverWithRetries(org: Organization, sub: Subscription, record: EventRecord): void {
    const delivery = this.ctx.webhooks.send({
      id: record.id,
      url: sub.notificationUrl,
      body: record.payload,
      headers: { [signatureHeader]: signBody(sub.securityKey, record.payload) },
      retryDelaysMs,
      timeoutMs: this.options.webhookTimeoutMs,
      shouldContinue: () => org.subscriptions.get(sub.id) === sub && sub.enabled,
      onAttempt: (status) => {
        record.attempts += 1;
        record.statusCode = status ?? 0;
      },
      onDelivered: () => {
        record.deliveryStatus = 'DELIVERED';
      },
      onGiveUp: () => {
        // A duplicate copy may already have succeeded; a delivered event is not failed afterwards.
        if (record.deliveryStatus === 'DELIVERED') return;
        record.deliveryStatus = 'FAILED';
        if (sub.enabled && org.subscriptions.get(sub.id) === sub) {
          sub.enabled = false;
          sub.updatedTime = this.state.bump(sub.updatedTime);
        }
      },
    });
    if (delivery.outcome === 'dropped') record.deliveryStatus = 'DROPPED';
  }

  /**
   * One immediate attempt, no retries (`POST .../test` and resend). The receiver's status is returned
   * so the API can report it, as BILL's resend response does (`statusCode`).
   */
  async deliverOnce(sub: Subscription, record: EventRecord): Promise<number> {
    const stats = this.ctx.stats.webhooks;
    stats.attempted += 1;
    record.attempts += 1;
    try {
      const res = await fetch(sub.notificationUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [signatureHeader]: signBody(sub.securityKey, record.payload) },
        body: record.payload,
        signal: AbortSignal.timeout(this.options.webhookTimeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      record.statusCode = res.status;
    } catch {
      record.statusCode = 0;
    }
    if (record.statusCode === 200) {
      record.deliveryStatus = 'DELIVERED';
      stats.delivered += 1;
    } else {
      record.deliveryStatus = 'FAILED';
      stats.failed += 1;
    }
    return record.statusCode;
  }
}
