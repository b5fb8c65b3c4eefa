import type { Runtime } from '../app/runtime.ts';
import { openXeroClient, type BillConnectionConfig, type XeroConnectionConfig } from '../app/sides.ts';
import { runXeroConsent } from '../app/xero-connect.ts';
import type { Link, LinkSettings } from '../model/link.ts';
import { xeroBillSettingsSchema } from '../pairs/xero-bill/settings.ts';
import type { BillCredentials } from '../systems/bill/auth.ts';
import { createBillClient } from '../systems/bill/client.ts';
import { MemoryCredentialStore } from '../systems/memory-credential-store.ts';
import { saveConnection } from '../store/repos/connections.ts';
import { getLink, saveLink } from '../store/repos/links.ts';
import { ConnectorError } from '../core/errors.ts';
import { networkCause } from '../app/reachable.ts';
import type { SystemId } from '../systems/types.ts';

/**
 * What connecting needs of the emulators: their URLs and sandbox credentials. In-process handles
 * (startEmulators) fit, and so does the ready line of `ml-connector emulate` run as another process.
 */
export interface SandboxEndpoints {
  xero: { urls: { api: string; login: string; identity: string; connections: string }; sandbox: { clientId: string; clientSecret: string } } | null;
  bill: { urls: { api: string; events: string }; sandbox: { devKey: string; username: string; password: string; organizationId: string } } | null;
}

export interface SandboxLinkOptions {
  linkName?: string;
  /** Settings beyond the payment account, which defaults to the first Xero bank account with a code. */
  settings?: Partial<LinkSettings>;
}

export interface SandboxLink {
  link: Link;
  xeroTenantId: string;
  billOrgId: string;
  paymentAccountCode: string;
}

/**
 * Connects a runtime to running emulators through the same code paths a user takes: Xero's OAuth
 * code flow with PKCE and state (the emulator's authorize page consents at once, so following its
 * redirect plays the browser) and BILL's login. Stores both connections encrypted (ids 'xero' and
 * 'bill') and a link between them. Used by the demo, the benchmark and the end-to-end tests.
 */
export async function connectSandbox(rt: Runtime, emulators: SandboxEndpoints, options: SandboxLinkOptions = {}): Promise<SandboxLink> {
  const xeroEmu = emulators.xero;
  const billEmu = emulators.bill;
  if (!xeroEmu || !billEmu) throw new Error('connectSandbox needs both the Xero and the BILL emulator');
  const urls: XeroConnectionConfig['urls'] = { api: xeroEmu.urls.api, login: xeroEmu.urls.login, identity: xeroEmu.urls.identity, connections: xeroEmu.urls.connections };
  const consent = await runXeroConsent({
    clientId: xeroEmu.sandbox.clientId,
    clientSecret: xeroEmu.sandbox.clientSecret,
    urls,
    onUrl: (url) => playBrowser(url),
  });
  const tenant = consent.tenants[0];
  if (!tenant) throw new Error('the Xero emulator granted no tenant');
  const xeroConfig: XeroConnectionConfig = { clientId: xeroEmu.sandbox.clientId, urls, ...(tenant.tenantName ? { tenantName: tenant.tenantName } : {}) };
  await saveConnection(rt.db, rt.box, {
    id: 'xero', system: 'xero', label: tenant.tenantName ?? tenant.tenantId, tenantId: tenant.tenantId,
    config: { ...xeroConfig },
    secret: { ...consent.credentials, clientSecret: xeroEmu.sandbox.clientSecret }, tokenExpiresAt: new Date(consent.credentials.expiresAt),
  });

  const billConfig: BillConnectionConfig = { urls: { api: billEmu.urls.api, events: billEmu.urls.events } };
  const billCreds: BillCredentials = { ...billEmu.sandbox };
  const store = new MemoryCredentialStore<BillCredentials>(billCreds);
  const billClient = createBillClient({ credentials: store, urls: billConfig.urls });
  await billClient.session.authorize({ method: 'GET', url: billConfig.urls.api });
  await saveConnection(rt.db, rt.box, { id: 'bill', system: 'bill', label: billCreds.organizationId, tenantId: billCreds.organizationId, config: { ...billConfig }, secret: await store.load() });

  const { client, tenantId } = await openXeroClient(rt, 'xero');
  const bank = (await client.forTenant(tenantId).listAccounts()).find((a) => a.Type === 'BANK' && a.Code);
  if (!bank?.Code) throw new Error('the Xero sandbox has no bank account with a code');
  const name = options.linkName ?? 'sandbox';
  const settings = xeroBillSettingsSchema.parse({ paymentAccount: { code: bank.Code }, ...options.settings });
  await saveLink(rt.db, { name, pair: 'xero-bill', erpSystem: 'xero', erpConnectionId: 'xero', billConnectionId: 'bill', settings });
  const link = await getLink(rt.db, name);
  if (!link) throw new Error(`link '${name}' was not saved`);
  return { link, xeroTenantId: tenantId, billOrgId: billCreds.organizationId, paymentAccountCode: bank.Code };
}

/**
 * Opens the consent URL as a browser would and follows its redirect to the callback. A GET of the
 * authorize page only issues a code, so one that failed before any answer (a loaded machine
 * refusing or resetting the connection) is safe to send again; the error names the URL and cause.
 */
export async function playBrowser(url: string, attempts = 3, system: SystemId = 'xero'): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const res = await fetch(url, { redirect: 'follow' });
      await res.arrayBuffer();
      return;
    } catch (e) {
      if (attempt >= attempts) {
        throw new ConnectorError({ code: 'MLC_ERR_NETWORK', system, message: `GET ${new URL(url).origin}${new URL(url).pathname} (the consent page) failed ${attempts} times: ${networkCause(e)}`, cause: e });
      }
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}
