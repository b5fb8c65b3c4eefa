import { readXeroWebhook, type XeroWebhookEvent } from '../../systems/xero/webhooks.ts';
import { xeroSpec } from '../../systems/xero/spec.ts';
import type { ReceivedEvent, WebhookEntity, WebhookReceiver } from './webhook.ts';
import { readXeroWebhookKey } from './xero-app.ts';

const entityOf: Record<string, WebhookEntity | undefined> = { CONTACT: 'vendor', INVOICE: 'bill' };

/**
 * Xero's event identity. A payload carries no event id, and its sequence numbers restart when the
 * webhook is re-created, so an event is the resource, what happened to it and when: Xero's retries
 * repeat all five values exactly, while a later change of the same resource has a later
 * eventDateUtc. Kept per link (suffix) because one tenant may feed more than one link.
 */
export function xeroEventKey(e: XeroWebhookEvent, link: string): string {
  return `${e.tenantId}|${e.eventCategory}|${e.eventType}|${e.resourceId}|${e.eventDateUtc}@${link}`;
}

/**
 * POST /webhooks/xero (https://developer.xero.com/documentation/webhooks/configuring-your-server):
 * the signature is checked over the raw body before anything is parsed; a bad one is 401, a good
 * one is 200 with no body. The intent-to-receive probe is an empty event list and ends there.
 * Xero sends ids only, so each event is followed up by re-reading the resource (CONTACT → vendor,
 * INVOICE → bill; other categories are not synced).
 */
export const xeroWebhook: WebhookReceiver = {
  signatureHeader: xeroSpec.webhook.signatureHeader,
  async read(deps, rawBody, signature) {
    const webhookKey = await readXeroWebhookKey(deps);
    if (!webhookKey) {
      deps.log.error({ system: 'xero' }, 'a Xero webhook arrived but no webhook key is set: save it on the Xero app page');
      return { status: 401 };
    }
    const read = readXeroWebhook({ rawBody, signature, webhookKey });
    if (!read.ok) {
      if (read.error.reason === 'bad_signature') {
        deps.log.warn({ system: 'xero', bytes: rawBody.length }, 'Xero webhook refused: signature does not match');
        return { status: 401 };
      }
      deps.log.warn({ system: 'xero', err: read.error.error.message }, 'Xero webhook refused: unreadable payload');
      return { status: 400 };
    }
    const events: ReceivedEvent[] = [];
    for (const e of read.value.events) {
      const entity = entityOf[e.eventCategory];
      if (!entity) continue;
      events.push({ tenantId: e.tenantId, entity, id: e.resourceId, eventKey: (link) => xeroEventKey(e, link), payload: { ...e } });
    }
    return { status: 200, events };
  },
};
