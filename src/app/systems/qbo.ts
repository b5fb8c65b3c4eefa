import { ConnectorError } from '../../core/errors.ts';
import { readSecret } from '../../store/repos/connections.ts';
import type { QboCredentials } from '../../systems/qbo/auth.ts';
import { createQboClient, type QboClient } from '../../systems/qbo/client.ts';
import { QboPort } from '../../systems/qbo/port.ts';
import { qboSpec } from '../../systems/qbo/spec.ts';
import { databaseCredentialStore } from '../credential-store.ts';
import { usableConnection } from './connection.ts';
import { limiterFor } from './limits.ts';
import { baseUrlOf } from './qbo-app.ts';
import { qboOAuthFlow, type QboConnectionConfig } from './qbo-oauth.ts';
import { qboWebhook } from './qbo-webhook.ts';
import type { ConnectionRef, SideDeps, SystemEntry } from './types.ts';

export type { QboConnectionConfig } from './qbo-oauth.ts';

/**
 * `connect qbo --name` keeps the stored company (the consent page offers it again), the same app and
 * the same hosts (a sandbox connection names Intuit's sandbox API host); the client secret comes
 * from the environment variable the command reads.
 */
function reconnectCommand(row: ConnectionRef): string {
  const config = row.config as Partial<QboConnectionConfig>;
  const base = config.urls ? baseUrlOf(config.urls) : undefined;
  return `ml-connector connect qbo --name ${row.id} --client-id ${config.clientId ?? 'ID'}${base ? ` --base-url ${base}` : ''}`;
}

/** The QBO client of one stored connection and its company (realm); refreshing its tokens goes through the database under the connection's lock. */
export async function openQboClient(deps: SideDeps, connectionId: string): Promise<{ client: QboClient; realmId: string; config: QboConnectionConfig }> {
  const row = await usableConnection(deps, connectionId, 'qbo', reconnectCommand);
  const config = row.config as unknown as QboConnectionConfig;
  const secret = await readSecret<QboCredentials & { clientSecret?: string }>(deps.db, deps.box, connectionId);
  if (!secret.clientSecret) {
    throw new ConnectorError({
      code: 'MLC_ERR_RECONNECT_NEEDED', system: 'qbo',
      message: `connection '${connectionId}' has no app client secret stored, which Intuit needs to refresh its tokens. Connect it again with: ${reconnectCommand(row)}`,
    });
  }
  const client = createQboClient({
    clientId: config.clientId,
    clientSecret: secret.clientSecret,
    credentials: databaseCredentialStore<QboCredentials>(deps.db, deps.box, connectionId, (c) => new Date(c.expiresAt)),
    environment: config.environment,
    urls: config.urls,
    logger: deps.log,
    limiter: limiterFor(qboSpec, row, { db: deps.db, appIdentity: config.clientId }),
  });
  return { client, realmId: row.tenant_id ?? secret.realmId ?? '', config };
}

/**
 * What a BILL → QBO link needs of the company: which company and environment it is, the chart
 * (accounts a bill line may land on, the bank and card accounts payments come from, the A/P
 * account), vendors, and open purchase orders. QBO's chart is the system of record here, so a
 * company without expense or bank accounts shows it at once.
 */
async function ping(deps: SideDeps, connectionId: string): Promise<Record<string, unknown>> {
  const { client, realmId, config } = await openQboClient(deps, connectionId);
  const company = client.forRealm(realmId);
  const [accounts, vendors, openPurchaseOrders] = await Promise.all([
    company.queryAll('Account'),
    company.queryAll('Vendor'),
    company.queryAll('PurchaseOrder', [{ field: 'POStatus', op: '=', value: 'Open' }]),
  ]);
  const ofType = (type: string) => accounts.filter((a) => a.AccountType === type && a.Active !== false).length;
  return {
    realmId, environment: config.environment,
    accounts: accounts.length, expenseAccounts: ofType('Expense'), bankAccounts: ofType('Bank'), creditCardAccounts: ofType('Credit Card'), payablesAccounts: ofType('Accounts Payable'),
    vendors: vendors.length, activeVendors: vendors.filter((v) => v.Active !== false).length,
    openPurchaseOrders: openPurchaseOrders.length,
  };
}

export const qboSystem: SystemEntry = {
  id: 'qbo',
  spec: qboSpec,
  // The link's pair decides how bills and departments are written (BILL → QBO settings billsAs and
  // departmentsAs); a port opened outside a link takes the port's defaults (PurchaseOrders, Departments).
  async openSide(deps, connectionId, options = {}) {
    const { client, realmId } = await openQboClient(deps, connectionId);
    const billsAs = options.billsAs === 'bill' || options.billsAs === 'purchaseOrder' ? options.billsAs : undefined;
    const dimension = options.dimension === 'class' || options.dimension === 'department' ? options.dimension : undefined;
    return new QboPort(client.forRealm(realmId), { ...(billsAs ? { billsAs } : {}), ...(dimension ? { dimension } : {}) });
  },
  ping,
  webhook: qboWebhook,
  connect: qboOAuthFlow,
  reconnectCommand,
};
