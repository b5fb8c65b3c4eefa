import type { XeroCredentials, XeroUrls } from '../systems/xero/auth.ts';
import { xeroSpec } from '../systems/xero/spec.ts';
import { runLoopbackConsent } from './systems/loopback-consent.ts';
import { xeroOAuthFlow } from './systems/xero-oauth.ts';

export interface XeroConsent {
  credentials: XeroCredentials;
  tenants: { tenantId: string; tenantName?: string | undefined }[];
}

/**
 * Xero's consent through the loopback callback (app/systems/loopback-consent.ts), for the sandbox
 * and demo, which play the browser themselves.
 */
export async function runXeroConsent(options: {
  clientId: string;
  clientSecret?: string | undefined;
  urls: XeroUrls;
  callbackPort?: number;
  timeoutMs?: number;
  onUrl(url: string): void | Promise<void>;
  pasted?: AsyncIterable<string>;
}): Promise<XeroConsent> {
  const grant = await runLoopbackConsent({
    system: 'xero', displayName: xeroSpec.displayName, flow: xeroOAuthFlow,
    app: { clientId: options.clientId, clientSecret: options.clientSecret, urls: { ...options.urls } },
    onUrl: options.onUrl,
    ...(options.callbackPort !== undefined ? { callbackPort: options.callbackPort } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.pasted ? { pasted: options.pasted } : {}),
  });
  return {
    credentials: grant.credentials as unknown as XeroCredentials,
    tenants: grant.tenants.map((t) => ({ tenantId: t.id, ...(t.name !== null ? { tenantName: t.name } : {}) })),
  };
}
