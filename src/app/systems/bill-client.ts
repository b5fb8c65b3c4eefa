import type { BillCredentials } from '../../systems/bill/auth.ts';
import { createBillClient, type BillClient } from '../../systems/bill/client.ts';
import { billSpec } from '../../systems/bill/spec.ts';
import { readSecret } from '../../store/repos/connections.ts';
import { databaseCredentialStore } from '../credential-store.ts';
import type { BillConnectionConfig } from './bill-credentials.ts';
import { usableConnection } from './connection.ts';
import { limiterFor } from './limits.ts';
import type { ConnectionRef, SideDeps } from './types.ts';

/** The password and developer key are never part of it: the password comes from the environment. */
export function reconnectCommand(row: ConnectionRef): string {
  const api = (row.config as { urls?: { api?: string } }).urls?.api;
  const base = api && !/^https:\/\/gateway\.(prod|stage)\.bill\.com\//.test(api) ? ` --base-url ${api.replace(/\/connect\/v3\/?$/, '')}` : '';
  return `ML_CONNECTOR_BILL_PASSWORD=… ml-connector connect bill --name ${row.id} --dev-key … --username … --org-id ${row.tenant_id ?? '…'}${base}`;
}

export async function openBillClient(deps: SideDeps, connectionId: string): Promise<{ client: BillClient; orgId: string }> {
  const row = await usableConnection(deps, connectionId, 'bill', reconnectCommand);
  const config = row.config as unknown as BillConnectionConfig;
  // BILL counts its hourly allowance per developer key across organisations: the key's budget is shared in the database.
  const { devKey } = await readSecret<BillCredentials>(deps.db, deps.box, connectionId);
  const client = createBillClient({
    credentials: databaseCredentialStore<BillCredentials>(deps.db, deps.box, connectionId),
    urls: config.urls,
    logger: deps.log,
    limiter: limiterFor(billSpec, row, { db: deps.db, appIdentity: devKey }),
  });
  return { client, orgId: row.tenant_id ?? '' };
}

