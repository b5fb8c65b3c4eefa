import { z } from 'zod';
import { ConnectorError } from '../../core/errors.ts';
import { registerSecret } from '../../core/redact.ts';
import type { XeroUrls } from '../../systems/xero/auth.ts';
import { xeroUrls } from '../../systems/xero/client.ts';
import { readSealed, writeSealed } from '../sealed-kv.ts';
import type { SideDeps } from './types.ts';

type Vault = Pick<SideDeps, 'db' | 'box'>;

/**
 * The Xero app this deployment connects through (client id and secret from the app's page in
 * Xero's developer portal). One per deployment, sealed in kv. `baseUrl` points login, identity and
 * API at one host (the emulator); absent means Xero's production hosts.
 */
export interface XeroAppSettings {
  clientId: string;
  clientSecret?: string | undefined;
  baseUrl?: string | undefined;
}

const appKey = 'xero:app';
/**
 * Xero signs every webhook of an app with one key, shown in the app's webhook settings
 * (https://developer.xero.com/documentation/webhooks/configuring-your-server). It belongs to the
 * app, not to a tenant, so it is one sealed kv row for the deployment.
 */
const webhookKeyKey = 'xero:webhook-key';

const settingsSchema = z.object({
  clientId: z.string().trim().min(1, 'the client id is required').max(200),
  clientSecret: z.string().trim().max(500).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
});

export function urlsOf(settings: Pick<XeroAppSettings, 'baseUrl'>): XeroUrls {
  const base = settings.baseUrl?.replace(/\/+$/, '');
  return base ? { api: `${base}/api.xro/2.0`, login: base, identity: base, connections: `${base}/connections` } : xeroUrls('production');
}

export async function readXeroApp(deps: Vault): Promise<XeroAppSettings | null> {
  const text = await readSealed(deps.db, deps.box, appKey);
  if (!text) return null;
  const settings = JSON.parse(text) as XeroAppSettings;
  registerSecret(settings.clientSecret);
  return settings;
}

export async function saveXeroApp(deps: Vault, input: unknown): Promise<XeroAppSettings> {
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'xero', message: `Xero app settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
  }
  const settings: XeroAppSettings = { clientId: parsed.data.clientId, ...(parsed.data.clientSecret ? { clientSecret: parsed.data.clientSecret } : {}), ...(parsed.data.baseUrl ? { baseUrl: parsed.data.baseUrl } : {}) };
  registerSecret(settings.clientSecret);
  await writeSealed(deps.db, deps.box, appKey, JSON.stringify(settings));
  return settings;
}

export async function readXeroWebhookKey(deps: Vault): Promise<string | null> {
  const key = await readSealed(deps.db, deps.box, webhookKeyKey);
  registerSecret(key ?? undefined);
  return key;
}

export async function saveXeroWebhookKey(deps: Vault, key: string): Promise<void> {
  const trimmed = key.trim();
  if (trimmed.length < 16) {
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'xero', message: 'the Xero webhook key is too short: paste the whole key from the app\'s webhook settings' });
  }
  registerSecret(trimmed);
  await writeSealed(deps.db, deps.box, webhookKeyKey, trimmed);
}
