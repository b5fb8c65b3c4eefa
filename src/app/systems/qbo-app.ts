import { z } from 'zod';
import { ConnectorError } from '../../core/errors.ts';
import { registerSecret } from '../../core/redact.ts';
import type { QboUrls } from '../../systems/qbo/auth.ts';
import { qboUrls } from '../../systems/qbo/client.ts';
import type { Environment } from '../../systems/types.ts';
import { readSealed, writeSealed } from '../sealed-kv.ts';
import type { SideDeps } from './types.ts';

type Vault = Pick<SideDeps, 'db' | 'box'>;

/**
 * The Intuit app this deployment connects through (client id and secret from the app's Keys page
 * in Intuit's developer portal: development keys reach sandbox companies, production keys real
 * ones). One per deployment, sealed in kv. `baseUrl` chooses the companies: absent for production,
 * Intuit's sandbox API host for sandbox companies, or one host for everything (the emulator).
 */
export interface QboAppSettings {
  clientId: string;
  clientSecret?: string | undefined;
  baseUrl?: string | undefined;
}

const appKey = 'qbo:app';
/**
 * Intuit signs every webhook of an app with one verifier token, shown on the app's Webhooks page
 * (https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications).
 * It belongs to the app, not to a company, so it is one sealed kv row for the deployment.
 */
const verifierTokenKey = 'qbo:webhook-verifier-token';

/** The API hosts of Intuit's two environments (spec.ts); OAuth hosts are the same for both. */
const intuitApiHosts: Readonly<Record<string, Environment>> = {
  [new URL(qboUrls('production').api).host]: 'production',
  [new URL(qboUrls('sandbox').api).host]: 'sandbox',
};

const settingsSchema = z.object({
  clientId: z.string().trim().min(1, 'the client id is required').max(200),
  clientSecret: z.string().trim().max(500).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
});

/**
 * The URLs one base URL stands for, and the environment it is: nothing is production; Intuit's
 * production or sandbox API host is that environment with Intuit's OAuth hosts; any other host
 * (the emulator, a proxy) serves OAuth and API alike, and counts as a sandbox.
 */
export function qboUrlsOf(baseUrl: string | undefined): { environment: Environment; urls: QboUrls } {
  const base = baseUrl?.replace(/\/+$/, '');
  if (!base) return { environment: 'production', urls: qboUrls('production') };
  const environment = intuitApiHosts[new URL(base).host];
  if (environment) return { environment, urls: qboUrls(environment) };
  return { environment: 'sandbox', urls: { api: base, appcenter: base, oauth: base, revoke: base } };
}

/** The --base-url that gives these URLs again, or undefined for Intuit's production hosts. */
export function baseUrlOf(urls: Pick<QboUrls, 'api'>): string | undefined {
  const api = urls.api.replace(/\/+$/, '');
  return api === qboUrls('production').api ? undefined : api;
}

export async function readQboApp(deps: Vault): Promise<QboAppSettings | null> {
  const text = await readSealed(deps.db, deps.box, appKey);
  if (!text) return null;
  const settings = JSON.parse(text) as QboAppSettings;
  registerSecret(settings.clientSecret);
  return settings;
}

export async function saveQboApp(deps: Vault, input: unknown): Promise<QboAppSettings> {
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'qbo', message: `QuickBooks Online app settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
  }
  const settings: QboAppSettings = { clientId: parsed.data.clientId, ...(parsed.data.clientSecret ? { clientSecret: parsed.data.clientSecret } : {}), ...(parsed.data.baseUrl ? { baseUrl: parsed.data.baseUrl } : {}) };
  registerSecret(settings.clientSecret);
  await writeSealed(deps.db, deps.box, appKey, JSON.stringify(settings));
  return settings;
}

export async function readQboVerifierToken(deps: Vault): Promise<string | null> {
  const token = await readSealed(deps.db, deps.box, verifierTokenKey);
  registerSecret(token ?? undefined);
  return token;
}

export async function saveQboVerifierToken(deps: Vault, token: string): Promise<void> {
  const trimmed = token.trim();
  if (trimmed.length < 16) {
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'qbo', message: 'the QuickBooks Online webhook verifier token is too short: paste the whole token from the app\'s Webhooks page' });
  }
  registerSecret(trimmed);
  await writeSealed(deps.db, deps.box, verifierTokenKey, trimmed);
}
