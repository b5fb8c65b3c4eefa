import { randomUUID } from 'node:crypto';
import { asConnectorError } from '../../../core/errors.ts';
import { openBillClient } from '../bill-client.ts';
import type { BillOrgClient } from '../../../systems/bill/org-client.ts';
import type { BillSubscription } from '../../../systems/bill/schema.ts';
import type { SideDeps } from '../types.ts';
import { notificationUrlFor, subscribedEvents, subscriptionName } from './events.ts';
import { getSubscriptionRow, planSubscription, replan, saveCreated } from './store.ts';

/** What managing subscriptions needs: a side's deps and the address BILL posts to. */
export type SubscriptionServices = SideDeps & { publicUrl: string };

export interface EnsuredSubscription {
  organizationId: string;
  subscriptionId: string;
  /** What was done: found as stored, adopted from BILL's list (new key), or created. */
  action: 'kept' | 'adopted' | 'created';
  enabled: boolean;
}

export async function billOrgClient(services: SubscriptionServices, connectionId: string): Promise<{ org: BillOrgClient; organizationId: string }> {
  const { client, orgId } = await openBillClient(services, connectionId);
  return { org: client.forOrg(orgId), organizationId: orgId };
}

const sameEvents = (s: BillSubscription): boolean => {
  const key = (list: readonly { type: string; version: string }[]) => list.map((e) => `${e.type}@${e.version}`).sort().join(',');
  return key(s.events) === key(subscribedEvents);
};

const isNotFound = (e: unknown): boolean => asConnectorError(e).code === 'MLC_ERR_NOT_FOUND';

/**
 * Creates or reuses the organisation's one subscription for vendor, bill and payment events,
 * pointing at `<publicUrl>/webhooks/bill`, and stores its security key sealed. Safe to run again at
 * any time (start, linking, the periodic check):
 * - the create's `X-Idempotent-Key` is stored before it is sent, so a retry after a crash or a
 *   lost answer replays BILL's first answer (cached 24 hours) instead of creating a second one
 *   (https://developer.bill.com/docs/bill-webhook-api-general-rules);
 * - a subscription already on BILL with our name and URL whose key we do not hold is adopted with
 *   a new security key, since BILL shows a key only once;
 * - a stored subscription BILL no longer has is planned again with a new idempotency key.
 */
export async function ensureBillSubscription(services: SubscriptionServices, connectionId: string): Promise<EnsuredSubscription> {
  const { org, organizationId } = await billOrgClient(services, connectionId);
  const url = notificationUrlFor(services.publicUrl);
  let row = await planSubscription(services.db, { organizationId, connectionId, idempotencyKey: randomUUID(), notificationUrl: url });

  if (row.subscriptionId) {
    try {
      let current = await org.getSubscription(row.subscriptionId);
      if (current.notificationUrl !== url) current = await org.updateSubscription(current.id, { notificationUrl: url });
      await saveCreated(services.db, services.box, organizationId, { subscriptionId: current.id, securityKey: null, enabled: current.status.enabled });
      return { organizationId, subscriptionId: current.id, action: 'kept', enabled: current.status.enabled };
    } catch (e) {
      if (!isNotFound(e)) throw e;
      services.log.warn({ organizationId, subscriptionId: row.subscriptionId }, 'BILL subscription is gone; creating it again');
      await replan(services.db, organizationId, randomUUID(), url);
      row = (await getSubscriptionRow(services.db, organizationId))!;
    }
  }

  const existing = (await org.listSubscriptions()).find((s) => s.name === subscriptionName && s.notificationUrl === url && sameEvents(s));
  if (existing) {
    const securityKey = await org.rotateSecurityKey(existing.id);
    await saveCreated(services.db, services.box, organizationId, { subscriptionId: existing.id, securityKey, enabled: existing.status.enabled });
    return { organizationId, subscriptionId: existing.id, action: 'adopted', enabled: existing.status.enabled };
  }

  const created = await org.createSubscription({ name: subscriptionName, notificationUrl: url, events: subscribedEvents, enabled: true }, { idempotencyKey: row.idempotencyKey });
  await saveCreated(services.db, services.box, organizationId, { subscriptionId: created.id, securityKey: created.securityKey ?? null, enabled: created.status.enabled });
  services.log.info({ organizationId, subscriptionId: created.id }, 'BILL webhook subscription created');
  return { organizationId, subscriptionId: created.id, action: 'created', enabled: created.status.enabled };
}

/** Ensures a subscription for every BILL connection some link uses (server start, and each monitor round for new links). */
export async function ensureSubscriptionsForLinks(services: SubscriptionServices, options: { onlyMissing?: boolean } = {}): Promise<EnsuredSubscription[]> {
  // onlyMissing: organisations with no subscription row yet (a link created since the last round).
  const { rows } = await services.db.query<{ id: string }>(
    `select distinct c.id from links l join connections c on c.id = l.bill_connection_id
      where c.system = 'bill' and c.status = 'ok'
        ${options.onlyMissing ? 'and not exists (select 1 from bill_subscriptions s where s.organization_id = c.tenant_id)' : ''}
      order by c.id`,
  );
  const out: EnsuredSubscription[] = [];
  for (const { id } of rows) {
    try {
      out.push(await ensureBillSubscription(services, id));
    } catch (e) {
      const err = asConnectorError(e);
      services.log.error({ connection: id, code: err.code, err: err.message }, 'could not set up the BILL webhook subscription');
    }
  }
  return out;
}
