import { ConnectorError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { Limiter } from '../http/limiter.ts';
import type { Db } from '../store/db.ts';
import { getConnection, readSecret } from '../store/repos/connections.ts';
import type { SecretBox } from '../store/repos/secret-box.ts';
import type { Link } from '../model/link.ts';
import type { ErpBillSource, PayablesHub } from '../engine/ports.ts';
import type { XeroCredentials } from '../systems/xero/auth.ts';
import { createXeroClient, type XeroClient } from '../systems/xero/client.ts';
import { XeroBillSource } from '../systems/xero/port.ts';
import { xeroSpec } from '../systems/xero/spec.ts';
import type { BillCredentials } from '../systems/bill/auth.ts';
import { createBillClient, type BillClient } from '../systems/bill/client.ts';
import { BillPayablesHub } from '../systems/bill/port.ts';
import { billSpec } from '../systems/bill/spec.ts';
import { databaseCredentialStore } from './credential-store.ts';
import { withReconnectAdvice } from './reconnect.ts';

/** Non-secret connection settings kept in connections.config. */
export interface XeroConnectionConfig {
  clientId: string;
  urls: { api: string; login: string; identity: string; connections: string };
  tenantName?: string;
}
export interface BillConnectionConfig {
  urls: { api: string; events: string };
}

/**
 * One limiter per system per process, shared by every client, so per-tenant and per-organisation
 * limits hold however many links touch the same tenant. Across processes, links are serialised by
 * their lease and queue (one worker at a time per link).
 */
const limiters = {
  xero: new Limiter('xero', xeroSpec.limits),
  bill: new Limiter('bill', billSpec.limits),
};

export interface SideDeps {
  db: Db;
  box: SecretBox;
  log: Logger;
}

async function connectionOf(deps: SideDeps, id: string, system: string) {
  const row = await getConnection(deps.db, id);
  if (!row) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `connection '${id}' does not exist` });
  if (row.system !== system) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `connection '${id}' is a ${row.system} connection, not ${system}` });
  if (row.status === 'needs_reconnect') {
    throw new ConnectorError({ code: 'MLC_ERR_RECONNECT_NEEDED', system, message: withReconnectAdvice(`connection '${id}' must be connected again: ${row.status_reason ?? 'it was revoked'}`, row) });
  }
  return row;
}

export async function openXeroClient(deps: SideDeps, connectionId: string): Promise<{ client: XeroClient; tenantId: string }> {
  const row = await connectionOf(deps, connectionId, 'xero');
  const config = row.config as unknown as XeroConnectionConfig;
  const secret = await readSecret<XeroCredentials & { clientSecret?: string }>(deps.db, deps.box, connectionId);
  const client = createXeroClient({
    clientId: config.clientId,
    ...(secret.clientSecret ? { clientSecret: secret.clientSecret } : {}),
    credentials: databaseCredentialStore<XeroCredentials>(deps.db, deps.box, connectionId, (c) => new Date(c.expiresAt)),
    urls: config.urls,
    logger: deps.log,
    limiter: limiters.xero,
  });
  return { client, tenantId: row.tenant_id ?? '' };
}

export async function openBillClient(deps: SideDeps, connectionId: string): Promise<{ client: BillClient; orgId: string }> {
  const row = await connectionOf(deps, connectionId, 'bill');
  const config = row.config as unknown as BillConnectionConfig;
  const client = createBillClient({
    credentials: databaseCredentialStore<BillCredentials>(deps.db, deps.box, connectionId),
    urls: config.urls,
    logger: deps.log,
    limiter: limiters.bill,
  });
  return { client, orgId: row.tenant_id ?? '' };
}

/** Opens both sides of a link as the engine's ports. */
export async function openLinkSides(deps: SideDeps, link: Link): Promise<{ erp: ErpBillSource; hub: PayablesHub }> {
  if (link.erpSystem !== 'xero') {
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `link '${link.name}' uses ${link.erpSystem}, which this version cannot sync yet` });
  }
  const xero = await openXeroClient(deps, link.erpConnectionId);
  const bill = await openBillClient(deps, link.billConnectionId);
  return { erp: new XeroBillSource(xero.client.forTenant(xero.tenantId)), hub: new BillPayablesHub(bill.client.forOrg(bill.orgId)) };
}
