import { ConnectorError } from '../../core/errors.ts';
import { registerSecret } from '../../core/redact.ts';
import type { ServerServices } from '../contract.ts';
import { readSealed, writeSealed } from './sealed-kv.ts';

/**
 * Xero signs every webhook of an app with one key, shown in the app's webhook settings
 * (https://developer.xero.com/documentation/webhooks/configuring-your-server). It belongs to the
 * app, not to a tenant, so it is one sealed kv row for the deployment.
 */
const kvKey = 'xero:webhook-key';

export async function readXeroWebhookKey(services: Pick<ServerServices, 'db' | 'box'>): Promise<string | null> {
  const key = await readSealed(services.db, services.box, kvKey);
  registerSecret(key ?? undefined);
  return key;
}

export async function saveXeroWebhookKey(services: Pick<ServerServices, 'db' | 'box'>, key: string): Promise<void> {
  const trimmed = key.trim();
  if (trimmed.length < 16) {
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'xero', message: 'the Xero webhook key is too short: paste the whole key from the app\'s webhook settings' });
  }
  registerSecret(trimmed);
  await writeSealed(services.db, services.box, kvKey, trimmed);
}
