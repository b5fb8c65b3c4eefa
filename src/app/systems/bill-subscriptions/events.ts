/**
 * The one consolidated subscription per BILL organisation lists every event the connector follows
 * up (https://developer.bill.com/docs/working-with-bill-webhooks; catalogue in
 * https://developer.bill.com/docs/bill-webhook-notification-payloads). BILL allows ten
 * subscriptions per organisation and refuses a second one with the same events and URL, so one
 * subscription carries them all.
 */
export const subscribedEvents: readonly { type: string; version: string }[] = [
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
].map((type) => ({ type, version: '1' }));

export const subscriptionName = 'ml-connector';

export const notificationUrlFor = (publicUrl: string): string => `${publicUrl.replace(/\/+$/, '')}/webhooks/bill`;
