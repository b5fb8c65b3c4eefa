import type { WebhookSubscriptions } from '../webhook.ts';
import { checkBillSubscriptions } from './check.ts';
import { ensureSubscriptionsForLinks } from './ensure.ts';

export { billOrgClient, ensureBillSubscription, ensureSubscriptionsForLinks, type EnsuredSubscription, type SubscriptionServices } from './ensure.ts';
export { checkBillSubscriptions } from './check.ts';
export { getSubscriptionRow, listSubscriptionRows, type SubscriptionRow } from './store.ts';

/** BILL's one consolidated subscription per organisation, whatever pairs the organisation is in. */
export const billWebhookSubscriptions: WebhookSubscriptions = {
  ensure: async (services, options) => {
    await ensureSubscriptionsForLinks(services, options);
  },
  check: checkBillSubscriptions,
};
