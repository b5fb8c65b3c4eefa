import { asConnectorError } from '../../../core/errors.ts';
import type { SubscriptionCheck } from '../webhook.ts';
import { billOrgClient, ensureBillSubscription, type SubscriptionServices } from './ensure.ts';
import { notificationUrlFor } from './events.ts';
import { listSubscriptionRows, markChecked } from './store.ts';

/**
 * BILL disables a subscription after a notification fails five times, and sends nothing more until
 * it is enabled again (https://developer.bill.com/docs/working-with-bill-webhooks). This check
 * reads `status.enabled` of every stored subscription, enables any that BILL switched off (or
 * creates again one that was deleted), and says which organisations were cut off, since the
 * events of the gap are not re-sent: their links need a catch-up sync.
 */
export async function checkBillSubscriptions(services: SubscriptionServices): Promise<SubscriptionCheck[]> {
  const out: SubscriptionCheck[] = [];
  for (const row of await listSubscriptionRows(services.db)) {
    try {
      let outcome: SubscriptionCheck['outcome'] = 'ok';
      if (!row.subscriptionId) {
        await ensureBillSubscription(services, row.connectionId);
        outcome = 'recreated';
      } else {
        const { org } = await billOrgClient(services, row.connectionId);
        try {
          const current = await org.getSubscription(row.subscriptionId);
          const url = notificationUrlFor(services.publicUrl);
          if (!current.status.enabled || current.notificationUrl !== url) {
            await org.updateSubscription(current.id, { enabled: true, notificationUrl: url });
            outcome = current.status.enabled ? 'ok' : 'reenabled';
          }
          await markChecked(services.db, row.organizationId, true, outcome === 'reenabled');
        } catch (e) {
          if (asConnectorError(e).code !== 'MLC_ERR_NOT_FOUND') throw e;
          await ensureBillSubscription(services, row.connectionId);
          outcome = 'recreated';
        }
      }
      out.push({ tenantId: row.organizationId, outcome });
    } catch (e) {
      const err = asConnectorError(e);
      services.log.error({ organizationId: row.organizationId, code: err.code, err: err.message }, 'BILL subscription check failed');
      out.push({ tenantId: row.organizationId, outcome: 'error', error: `${err.code}: ${err.message}` });
    }
  }
  return out;
}
