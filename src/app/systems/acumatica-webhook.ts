import { randomBytes } from 'node:crypto';
import { registerSecret } from '../../core/redact.ts';
import { readSealed, writeSealed } from '../sealed-kv.ts';
import { acumaticaSpec } from '../../systems/acumatica/spec.ts';
import { pushedRecords, readPushNotification, verifyPushHeader, type AcumaticaPushNotification } from '../../systems/acumatica/webhooks.ts';
import type { SideDeps } from './types.ts';
import type { ReceivedEvent, WebhookEntity, WebhookReceiver } from './webhook.ts';

/** The header a push notification destination must carry; its value is the connection's push secret. */
export const pushHeaderName = acumaticaSpec.webhook.signatureHeader;

/** Where Acumatica posts, under the connector's public URL. */
export const pushPath = '/webhooks/acumatica';

/**
 * A connection's push secret is kept sealed in its own kv row, bound to the connection id, rather
 * than with the sign-in credentials: connecting again (a new password, an OAuth grant past its
 * 30-day chain) replaces the credentials, and the destination pasted into Acumatica must not stop
 * working for it. Deleting the connection leaves the row; a connection made again under the same
 * name takes it back.
 */
const pushSecretKey = (connectionId: string): string => `acumatica:push-secret:${connectionId}`;

type Vault = Pick<SideDeps, 'db' | 'box'>;

/** A connection's push secret, or null before one was issued. */
export async function pushSecretOf(deps: Vault, connectionId: string): Promise<string | null> {
  const secret = await readSealed(deps.db, deps.box, pushSecretKey(connectionId));
  registerSecret(secret);
  return secret;
}

/** The connection's push secret, issued now (32 random bytes) if it has none; one at a time, so two callers see the same value. */
export async function issuePushSecret(deps: Vault, connectionId: string): Promise<string> {
  return deps.db.withLock(pushSecretKey(connectionId), async (tx) => {
    const existing = await pushSecretOf({ db: tx, box: deps.box }, connectionId);
    if (existing) return existing;
    const secret = randomBytes(32).toString('base64url');
    registerSecret(secret);
    await writeSealed(tx, deps.box, pushSecretKey(connectionId), secret);
    return secret;
  });
}

/**
 * The connection whose push secret the header carries. Every Acumatica connection's secret is
 * read and compared (in constant time, verifyPushHeader), so an instance URL or tenant in the
 * body cannot pick which one is tried; a disabled connection takes none.
 */
async function pushSender(deps: SideDeps, header: string | string[] | undefined): Promise<{ id: string; tenantId: string; secret: string } | null> {
  if (typeof header !== 'string' || header === '') return null;
  const { rows } = await deps.db.query<{ id: string; tenant_id: string | null }>("select id, tenant_id from connections where system = 'acumatica' and status <> 'disabled' order by id");
  let found: { id: string; tenantId: string; secret: string } | null = null;
  for (const row of rows) {
    const secret = await pushSecretOf(deps, row.id);
    if (secret && verifyPushHeader(header, secret) && row.tenant_id && !found) found = { id: row.id, tenantId: row.tenant_id, secret };
  }
  return found;
}

/**
 * A push notification's events are what its rows name. Acumatica sends the same notification
 * again (same `Id`) after any answer that is not 2xx, so the key is the notification and the
 * record: a repeat gives the same key, a later change of the record comes in a new notification
 * with a new `Id` and a later `TimeStamp`. Kept per link, as one tenant may feed more than one.
 */
export function pushEventKey(connectionId: string, n: AcumaticaPushNotification, entity: WebhookEntity, id: string, link: string): string {
  return `${connectionId}|${n.Query}|${n.Id}|${String(n.TimeStamp ?? '')}|${entity}|${id}@${link}`;
}

/**
 * POST /webhooks/acumatica, a Push Notifications (SM302000) webhook destination
 * (IntegrationDev_PushNotifications_Destinations, _Format; reference B9). Acumatica signs nothing;
 * the destination carries one static header, `x-mlc-push-token`, whose value is the push secret
 * the connector issued the connection. A header matching no connection is 401 and nothing is
 * recorded. A match routes the rows to that connection's tenant: each vendor and bill named becomes
 * an event whose follow-up re-reads the record by its key, so duplicates and out-of-order deliveries
 * end in the newest state. Payments (Checks) are not followed: the pair writes them itself from BILL.
 * The answer is 200 as soon as the events are recorded: any other makes Acumatica send again.
 */
export const acumaticaWebhook: WebhookReceiver = {
  signatureHeader: pushHeaderName,
  async read(deps, rawBody, header) {
    const sender = await pushSender(deps, header);
    if (!sender) {
      deps.log.warn({ system: 'acumatica', bytes: rawBody.length, withHeader: header !== undefined }, 'Acumatica push notification refused: its header matches no connection');
      return { status: 401 };
    }
    const read = readPushNotification({ rawBody, header, expected: sender.secret });
    if (!read.ok) {
      const why = read.error.reason === 'bad_payload' ? read.error.error.message : 'header';
      deps.log.warn({ system: 'acumatica', connection: sender.id, err: why }, 'Acumatica push notification refused: unreadable payload');
      return { status: read.error.reason === 'bad_header' ? 401 : 400 };
    }
    const n = read.value;
    const events: ReceivedEvent[] = [];
    for (const r of pushedRecords(n)) {
      if (r.entity === 'payment') continue;
      const payload = { connection: sender.id, query: n.Query, notificationId: n.Id, timeStamp: n.TimeStamp === undefined ? null : String(n.TimeStamp), companyId: n.CompanyId ?? null, entity: r.entity, id: r.id };
      events.push({ tenantId: sender.tenantId, entity: r.entity, id: r.id, eventKey: (link) => pushEventKey(sender.id, n, r.entity, r.id, link), payload });
    }
    return { status: 200, events };
  },
};

