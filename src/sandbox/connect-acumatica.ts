import type { Runtime } from '../app/runtime.ts';
import { connectBillSandbox } from './connect-bill.ts';
import { acumaticaCredentialsFlow, type AcumaticaAuthKind } from '../app/systems/acumatica-credentials.ts';
import { issuePushSecret, pushHeaderName, pushPath } from '../app/systems/acumatica-webhook.ts';
import type { Link } from '../model/link.ts';
import { acumaticaBillSettingsSchema, type AcumaticaBillSettings } from '../pairs/acumatica-bill/settings.ts';
import { saveConnection } from '../store/repos/connections.ts';
import { getLink, saveLink } from '../store/repos/links.ts';

/** What connecting needs of the emulators: their URLs and sandbox credentials. */
export interface AcumaticaSandboxEndpoints {
  acumatica: { urls: { base: string }; sandbox: { name: string; password: string; tenant: string; branch: string; clientId?: string; clientSecret?: string } };
  bill: { urls: { api: string; events: string }; sandbox: { devKey: string; username: string; password: string; organizationId: string } };
}

export interface AcumaticaSandboxOptions {
  linkName?: string;
  settings?: Partial<AcumaticaBillSettings>;
  /** Cookie sign-in (default), or OAuth through the emulator's connected application for the tenant. */
  auth?: AcumaticaAuthKind;
}

/**
 * Connects a runtime to running Acumatica and BILL emulators through the paths a user takes: the
 * Acumatica credentials check (endpoint versions, sign-in or the OAuth password grant, one read,
 * sign-out) and BILL's login. Stores both connections encrypted (ids 'acumatica' and 'bill') and a
 * link between them that records payments on the emulator's cash account 10100 by check.
 */
export async function connectAcumaticaSandbox(rt: Runtime, emulators: AcumaticaSandboxEndpoints, options: AcumaticaSandboxOptions = {}): Promise<{ link: Link; billOrgId: string }> {
  const acu = emulators.acumatica;
  const oauth: Record<string, string> = options.auth === 'oauth' ? { clientId: acu.sandbox.clientId ?? '', clientSecret: acu.sandbox.clientSecret ?? '' } : {};
  const values: Record<string, string> = { tenant: acu.sandbox.tenant, branch: acu.sandbox.branch, username: acu.sandbox.name, password: acu.sandbox.password, ...oauth };
  const urls = acumaticaCredentialsFlow.urlsFor(acu.urls.base);
  const secret = await acumaticaCredentialsFlow.check(values, urls, rt.log);
  await saveConnection(rt.db, rt.box, { ...acumaticaCredentialsFlow.connection(values, urls, secret, 'acumatica'), system: 'acumatica' });

  await connectBillSandbox(rt, emulators.bill);

  const name = options.linkName ?? 'sandbox';
  const settings = acumaticaBillSettingsSchema.parse({ cashAccount: '10100', paymentMethod: 'CHECK', ...options.settings });
  await saveLink(rt.db, { name, pair: 'acumatica-bill', erpSystem: 'acumatica', erpConnectionId: 'acumatica', billConnectionId: 'bill', settings });
  const link = await getLink(rt.db, name);
  if (!link) throw new Error(`link '${name}' was not saved`);
  return { link, billOrgId: emulators.bill.sandbox.organizationId };
}

/**
 * Does in the emulator what a customer does on Push Notifications (SM302000): a webhook destination
 * at the connector's `/webhooks/acumatica` with the header and value `ping` shows for the
 * connection. The emulator's control route stands in for the form.
 */
export async function pointAcumaticaPush(rt: Runtime, acumaticaBase: string, publicUrl: string, connectionId = 'acumatica'): Promise<void> {
  const headerValue = await issuePushSecret(rt, connectionId);
  const res = await fetch(`${acumaticaBase}/_emulator/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: `${publicUrl.replace(/\/+$/, '')}${pushPath}`, headerName: pushHeaderName, headerValue }),
  });
  if (!res.ok) throw new Error(`the Acumatica emulator refused the push destination: ${res.status}`);
}
