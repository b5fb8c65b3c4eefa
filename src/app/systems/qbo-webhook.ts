import { listConnections } from '../../store/repos/connections.ts';
import { readQboWebhook, type QboWebhookEvent } from '../../systems/qbo/webhooks.ts';
import { qboSpec } from '../../systems/qbo/spec.ts';
import { readQboVerifierToken } from './qbo-app.ts';
import type { SideDeps } from './types.ts';
import type { ReceivedEvent, WebhookEntity, WebhookReceiver } from './webhook.ts';

/**
 * The QBO entities a BILL → QBO link follows up, and what each asks to re-read: a Vendor is a
 * vendor; a PurchaseOrder or a Bill is where a BILL bill landed (by the link's mode, or the Bill a
 * paid purchase order became); a BillPayment is a payment. The QBO name stays in the payload.
 */
const entityOf: Readonly<Record<string, WebhookEntity | undefined>> = { Vendor: 'vendor', PurchaseOrder: 'bill', Bill: 'bill', BillPayment: 'payment' };

/**
 * An event's identity. A CloudEvents event carries a `source` and an `id` that its producer keeps
 * for a repeated delivery (CloudEvents 1.0, "id": consumers may treat the same source and id as a
 * duplicate; that Intuit repeats them is not documented, and were it not, a repeat would only
 * re-read the record once more). A legacy notification has none, so it is the record, what happened to it and when
 * (`lastUpdated`): a repeat gives the same key, a later change of the record a later time. Kept
 * per link (suffix) because one company may feed more than one link.
 */
export function qboEventKey(e: QboWebhookEvent, link: string): string {
  const identity = e.eventId !== undefined ? `ce:${e.eventSource ?? ''}|${e.eventId}` : `${e.entity}|${e.id}|${e.operation}|${e.occurredAt ?? ''}`;
  return `${e.realmId}|${identity}@${link}`;
}

/** Realms this installation has a QBO connection for (whatever its health: a paused one still owns its events). */
async function knownRealms(deps: SideDeps): Promise<Set<string>> {
  return new Set((await listConnections(deps.db)).flatMap((c) => (c.system === 'qbo' && c.tenant_id ? [c.tenant_id] : [])));
}

/**
 * POST /webhooks/qbo and /webhooks/qbo/{realmId}
 * (https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications):
 * the `intuit-signature` is checked over the raw body with the app's verifier token before anything
 * is parsed (401 when it does not hold). Both payload formats are read (systems/qbo/webhooks.ts).
 * Every realm in the delivery must be a connected company, and where the URL names a realm every
 * event must be that realm's: a delivery breaking either is refused whole (403) and nothing of it is
 * recorded, since a batch may mix realms and a partial record would hide the refusal. Intuit sends
 * ids only, so each followed event re-reads its record.
 */
export const qboWebhook: WebhookReceiver = {
  signatureHeader: qboSpec.webhook.signatureHeader,
  scoped: true,
  async read(deps, rawBody, signature, scope) {
    const verifierToken = await readQboVerifierToken(deps);
    if (!verifierToken) {
      deps.log.error({ system: 'qbo' }, 'a QuickBooks Online webhook arrived but no verifier token is set: save it on the QuickBooks Online app page');
      return { status: 401 };
    }
    const read = readQboWebhook({ rawBody, signature, verifierToken });
    if (!read.ok) {
      if (read.error.reason === 'bad_signature') {
        deps.log.warn({ system: 'qbo', bytes: rawBody.length }, 'QuickBooks Online webhook refused: signature does not match');
        return { status: 401 };
      }
      deps.log.warn({ system: 'qbo', err: read.error.error.message }, 'QuickBooks Online webhook refused: unreadable payload');
      return { status: 400 };
    }
    const known = await knownRealms(deps);
    const realms = new Set(read.value.map((e) => e.realmId));
    if (scope !== undefined) realms.add(scope);
    const unknown = [...realms].filter((r) => !known.has(r));
    const elsewhere = scope === undefined ? [] : [...realms].filter((r) => r !== scope);
    if (unknown.length > 0 || elsewhere.length > 0) {
      deps.log.warn(
        { system: 'qbo', scope, unknownRealms: unknown, otherRealms: elsewhere, events: read.value.length },
        unknown.length > 0 ? 'QuickBooks Online webhook refused: it names a company no connection is for' : "QuickBooks Online webhook refused: it names a company other than its URL's",
      );
      return { status: 403 };
    }
    const events: ReceivedEvent[] = [];
    for (const e of read.value) {
      const entity = entityOf[e.entity];
      if (!entity) continue;
      events.push({
        tenantId: e.realmId, entity, id: e.id, eventKey: (link) => qboEventKey(e, link),
        payload: { realmId: e.realmId, entity: e.entity, id: e.id, operation: e.operation, ...(e.occurredAt ? { occurredAt: e.occurredAt } : {}), ...(e.eventId ? { eventId: e.eventId } : {}), ...(e.eventSource ? { eventSource: e.eventSource } : {}) },
      });
    }
    return { status: 200, events };
  },
};
