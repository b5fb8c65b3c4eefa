export { readXeroWebhookKey, saveXeroWebhookKey } from '../../app/systems/xero-app.ts';
