import { z } from 'zod';
import { ConnectorError } from '../../core/errors.ts';
import { registerSecret } from '../../core/redact.ts';
import type { XeroUrls } from '../../systems/xero/auth.ts';
import { xeroUrls } from '../../systems/xero/client.ts';
import type { ServerServices } from '../contract.ts';
import { readSealed, writeSealed } from '../webhooks/sealed-kv.ts';

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

const kvKey = 'xero:app';

const settingsSchema = z.object({
  clientId: z.string().trim().min(1, 'the client id is required').max(200),
  clientSecret: z.string().trim().max(500).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
});

export function urlsOf(settings: XeroAppSettings): XeroUrls {
  const base = settings.baseUrl?.replace(/\/+$/, '');
  return base ? { api: `${base}/api.xro/2.0`, login: base, identity: base, connections: `${base}/connections` } : xeroUrls('production');
}

export async function readXeroApp(services: Pick<ServerServices, 'db' | 'box'>): Promise<XeroAppSettings | null> {
  const text = await readSealed(services.db, services.box, kvKey);
  if (!text) return null;
  const settings = JSON.parse(text) as XeroAppSettings;
  registerSecret(settings.clientSecret);
  return settings;
}

export async function saveXeroApp(services: Pick<ServerServices, 'db' | 'box'>, input: unknown): Promise<XeroAppSettings> {
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'xero', message: `Xero app settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
  }
  const settings: XeroAppSettings = { clientId: parsed.data.clientId, ...(parsed.data.clientSecret ? { clientSecret: parsed.data.clientSecret } : {}), ...(parsed.data.baseUrl ? { baseUrl: parsed.data.baseUrl } : {}) };
  registerSecret(settings.clientSecret);
  await writeSealed(services.db, services.box, kvKey, JSON.stringify(settings));
  return settings;
}
