import type { BillCredentials } from '../../systems/bill/auth.ts';
import { createBillClient, type BillClient } from '../../systems/bill/client.ts';
import { BillPayablesHub } from '../../systems/bill/port.ts';
import { billSpec } from '../../systems/bill/spec.ts';
import { databaseCredentialStore } from '../credential-store.ts';
import { billCredentialsFlow, type BillConnectionConfig } from './bill-credentials.ts';
import { billWebhook } from './bill-webhook.ts';
import { usableConnection } from './connection.ts';
import { limiterFor } from './limits.ts';
import type { ConnectionRef, HubEntry, SideDeps } from './types.ts';

export type { BillConnectionConfig } from './bill-credentials.ts';

/** The password and developer key are never part of it: the password comes from the environment. */
function reconnectCommand(row: ConnectionRef): string {
  const api = (row.config as { urls?: { api?: string } }).urls?.api;
  const base = api && !/^https:\/\/gateway\.(prod|stage)\.bill\.com\//.test(api) ? ` --base-url ${api.replace(/\/connect\/v3\/?$/, '')}` : '';
  return `ML_CONNECTOR_BILL_PASSWORD=… ml-connector connect bill --name ${row.id} --dev-key … --username … --org-id ${row.tenant_id ?? '…'}${base}`;
}

export async function openBillClient(deps: SideDeps, connectionId: string): Promise<{ client: BillClient; orgId: string }> {
  const row = await usableConnection(deps, connectionId, 'bill', reconnectCommand);
  const config = row.config as unknown as BillConnectionConfig;
  const client = createBillClient({
    credentials: databaseCredentialStore<BillCredentials>(deps.db, deps.box, connectionId),
    urls: config.urls,
    logger: deps.log,
    limiter: limiterFor(billSpec, row),
  });
  return { client, orgId: row.tenant_id ?? '' };
}

/** Chart of accounts, departments and vendors: what a link writes next to. */
async function ping(deps: SideDeps, connectionId: string): Promise<Record<string, unknown>> {
  const { client, orgId } = await openBillClient(deps, connectionId);
  const o = client.forOrg(orgId);
  const [accounts, departments] = await Promise.all([o.listChartOfAccounts(), o.listDepartments()]);
  let vendors = 0;
  for await (const page of o.iterateVendors()) vendors += page.records.length;
  return { organizationId: orgId, chartOfAccounts: accounts.length, departments: departments.length, vendors };
}

export const billSystem: HubEntry = {
  id: 'bill',
  spec: billSpec,
  role: 'hub',
  async openSide(deps, connectionId) {
    const { client, orgId } = await openBillClient(deps, connectionId);
    return new BillPayablesHub(client.forOrg(orgId));
  },
  ping,
  webhook: billWebhook,
  connect: billCredentialsFlow,
  reconnectCommand,
};
