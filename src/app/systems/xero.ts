import type { XeroCredentials } from '../../systems/xero/auth.ts';
import { createXeroClient, type XeroClient } from '../../systems/xero/client.ts';
import { XeroPort } from '../../systems/xero/port.ts';
import { xeroSpec } from '../../systems/xero/spec.ts';
import { readSecret } from '../../store/repos/connections.ts';
import { databaseCredentialStore } from '../credential-store.ts';
import { usableConnection } from './connection.ts';
import { limiterFor } from './limits.ts';
import type { ConnectionRef, SideDeps, SystemEntry } from './types.ts';
import { xeroWebhook } from './xero-webhook.ts';
import { xeroOAuthFlow, type XeroConnectionConfig } from './xero-oauth.ts';

export type { XeroConnectionConfig } from './xero-oauth.ts';

/**
 * `connect xero --name` keeps the stored tenant, and the same app and host; the client secret
 * comes from the environment variable the command reads.
 */
function reconnectCommand(row: ConnectionRef): string {
  const config = row.config as { clientId?: string; urls?: { login?: string } };
  const login = config.urls?.login;
  const base = login && !/^https:\/\/login\.xero\.com\/?$/.test(login) ? ` --base-url ${login.replace(/\/$/, '')}` : '';
  return `ml-connector connect xero --name ${row.id} --client-id ${config.clientId ?? 'ID'}${base}`;
}

export async function openXeroClient(deps: SideDeps, connectionId: string): Promise<{ client: XeroClient; tenantId: string }> {
  const row = await usableConnection(deps, connectionId, 'xero', reconnectCommand);
  const config = row.config as unknown as XeroConnectionConfig;
  const secret = await readSecret<XeroCredentials & { clientSecret?: string }>(deps.db, deps.box, connectionId);
  const client = createXeroClient({
    clientId: config.clientId,
    ...(secret.clientSecret ? { clientSecret: secret.clientSecret } : {}),
    credentials: databaseCredentialStore<XeroCredentials>(deps.db, deps.box, connectionId, (c) => new Date(c.expiresAt)),
    urls: config.urls,
    logger: deps.log,
    limiter: limiterFor(xeroSpec, row, { db: deps.db, appIdentity: config.clientId }),
  });
  return { client, tenantId: row.tenant_id ?? '' };
}

/** Organisation, chart, tracking categories, suppliers and bills: what a Xero ⇄ BILL link reads. */
async function ping(deps: SideDeps, connectionId: string): Promise<Record<string, unknown>> {
  const { client, tenantId } = await openXeroClient(deps, connectionId);
  const t = client.forTenant(tenantId);
  const [org, accounts, tracking] = await Promise.all([t.getOrganisation(), t.listAccounts(), t.listTrackingCategories()]);
  let suppliers = 0;
  for await (const page of t.iterateContacts({ where: 'IsSupplier==true', pageSize: 1000 })) suppliers += page.records.length;
  let bills = 0;
  let approvedUnpaid = 0;
  for await (const page of t.iterateInvoices({ pageSize: 1000 })) {
    bills += page.records.length;
    approvedUnpaid += page.records.filter((i) => i.Status === 'AUTHORISED' && (i.AmountPaid ?? '0') === '0').length;
  }
  return {
    organisation: org.Name, baseCurrency: org.BaseCurrency, accounts: accounts.length, bankAccounts: accounts.filter((a) => a.Type === 'BANK').length,
    trackingCategories: tracking.map((x) => x.Name), suppliers, bills, approvedUnpaidBills: approvedUnpaid,
  };
}

export const xeroSystem: SystemEntry = {
  id: 'xero',
  spec: xeroSpec,
  async openSide(deps, connectionId) {
    const { client, tenantId } = await openXeroClient(deps, connectionId);
    return new XeroPort(client.forTenant(tenantId));
  },
  ping,
  webhook: xeroWebhook,
  connect: xeroOAuthFlow,
  reconnectCommand,
};
