import { subscriptionKeyAad as aad } from '../bill-webhook.ts';
import { registerSecret } from '../../../core/redact.ts';
import type { Db } from '../../../store/db.ts';
import type { SecretBox } from '../../../store/repos/secret-box.ts';

/** Our record of the one consolidated BILL subscription of an organisation (table bill_subscriptions). */
export interface SubscriptionRow {
  organizationId: string;
  connectionId: string;
  idempotencyKey: string;
  subscriptionId: string | null;
  notificationUrl: string;
  enabled: boolean | null;
  lastCheckedAt: string | null;
  lastReenabledAt: string | null;
}

interface DbRow {
  organization_id: string;
  connection_id: string;
  idempotency_key: string;
  subscription_id: string | null;
  notification_url: string;
  enabled: boolean | null;
  last_checked_at: string | null;
  last_reenabled_at: string | null;
}

const columns = `organization_id, connection_id, idempotency_key, subscription_id, notification_url, enabled,
  last_checked_at::text as last_checked_at, last_reenabled_at::text as last_reenabled_at`;

const toRow = (r: DbRow): SubscriptionRow => ({
  organizationId: r.organization_id,
  connectionId: r.connection_id,
  idempotencyKey: r.idempotency_key,
  subscriptionId: r.subscription_id,
  notificationUrl: r.notification_url,
  enabled: r.enabled,
  lastCheckedAt: r.last_checked_at,
  lastReenabledAt: r.last_reenabled_at,
});


export async function getSubscriptionRow(db: Db, organizationId: string): Promise<SubscriptionRow | null> {
  const { rows } = await db.query<DbRow>(`select ${columns} from bill_subscriptions where organization_id = $1`, [organizationId]);
  return rows[0] ? toRow(rows[0]) : null;
}

export async function listSubscriptionRows(db: Db): Promise<SubscriptionRow[]> {
  return (await db.query<DbRow>(`select ${columns} from bill_subscriptions order by organization_id`)).rows.map(toRow);
}

/**
 * Stores the plan to create a subscription before the create is sent: the idempotency key then
 * survives a crash, and the retry replays the first answer. An existing row keeps its key.
 */
export async function planSubscription(db: Db, r: { organizationId: string; connectionId: string; idempotencyKey: string; notificationUrl: string }): Promise<SubscriptionRow> {
  await db.query(
    `insert into bill_subscriptions (organization_id, connection_id, idempotency_key, notification_url)
     values ($1, $2, $3, $4)
     on conflict (organization_id) do update set connection_id = excluded.connection_id, updated_at = now()`,
    [r.organizationId, r.connectionId, r.idempotencyKey, r.notificationUrl],
  );
  return (await getSubscriptionRow(db, r.organizationId))!;
}

/** A new plan after the subscription vanished on BILL: a new key, since the old one would replay the old answer. */
export async function replan(db: Db, organizationId: string, idempotencyKey: string, notificationUrl: string): Promise<void> {
  await db.query(
    `update bill_subscriptions set idempotency_key = $2, notification_url = $3, subscription_id = null, security_key = null, enabled = null, updated_at = now()
      where organization_id = $1`,
    [organizationId, idempotencyKey, notificationUrl],
  );
}

export async function saveCreated(db: Db, box: SecretBox, organizationId: string, s: { subscriptionId: string; securityKey: string | null; enabled: boolean }): Promise<void> {
  registerSecret(s.securityKey);
  await db.query(
    `update bill_subscriptions set subscription_id = $2, security_key = coalesce($3, security_key), enabled = $4, last_checked_at = now(), updated_at = now()
      where organization_id = $1`,
    [organizationId, s.subscriptionId, s.securityKey === null ? null : box.seal(s.securityKey, aad(organizationId)), s.enabled],
  );
}

export async function markChecked(db: Db, organizationId: string, enabled: boolean, reenabled: boolean): Promise<void> {
  await db.query(
    `update bill_subscriptions set enabled = $2, last_checked_at = now(), last_reenabled_at = case when $3 then now() else last_reenabled_at end, updated_at = now()
      where organization_id = $1`,
    [organizationId, enabled, reenabled],
  );
}
