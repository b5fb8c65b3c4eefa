import type { AcumaticaLoginCredentials } from '../../systems/acumatica/auth.ts';
import { createAcumaticaClient, type AcumaticaAuth, type AcumaticaClient } from '../../systems/acumatica/client.ts';
import type { AcumaticaOAuthCredentials } from '../../systems/acumatica/oauth.ts';
import { pingAcumatica } from '../../systems/acumatica/ping.ts';
import { AcumaticaPort } from '../../systems/acumatica/port.ts';
import { acumaticaSpec } from '../../systems/acumatica/spec.ts';
import { readSecret } from '../../store/repos/connections.ts';
import { databaseCredentialStore } from '../credential-store.ts';
import { acumaticaCredentialsFlow, type AcumaticaConnectionConfig } from './acumatica-credentials.ts';
import { acumaticaWebhook, issuePushSecret, pushHeaderName, pushPath } from './acumatica-webhook.ts';
import { usableConnection } from './connection.ts';
import { limiterFor } from './limits.ts';
import type { ConnectionRef, SideDeps, SystemEntry } from './types.ts';

export type { AcumaticaConnectionConfig } from './acumatica-credentials.ts';

/**
 * The password comes from the environment; the instance, tenant and branch are the stored ones.
 * An OAuth connection is made again on the connect page, which takes the connected application.
 */
function reconnectCommand(row: ConnectionRef): string {
  const config = row.config as Partial<AcumaticaConnectionConfig>;
  const site = config.site;
  if (config.auth === 'oauth') {
    return `the connect page /connect/acumatica: instance URL ${site?.instanceUrl ?? 'URL'}, tenant ${site?.tenant ?? 'NAME'}, OAuth client id ${config.clientId ?? 'GUID@Tenant'} and its secret, a user and password, connection name ${row.id}`;
  }
  const branch = site?.branch ? ` --branch ${site.branch}` : '';
  return `ML_CONNECTOR_ACUMATICA_PASSWORD=… ml-connector connect acumatica --name ${row.id} --base-url ${site?.instanceUrl ?? 'URL'} --tenant ${site?.tenant ?? 'NAME'}${branch} --username …`;
}

/** The client of one connection: its cookie session, or its OAuth tokens refreshed through the shared token manager. */
export async function openAcumaticaClient(deps: SideDeps, connectionId: string): Promise<AcumaticaClient> {
  return (await openWithConfig(deps, connectionId)).client;
}

async function openWithConfig(deps: SideDeps, connectionId: string): Promise<{ client: AcumaticaClient; config: AcumaticaConnectionConfig }> {
  const row = await usableConnection(deps, connectionId, 'acumatica', reconnectCommand);
  const config = row.config as unknown as AcumaticaConnectionConfig;
  let auth: AcumaticaAuth;
  if (config.auth === 'oauth') {
    const { clientSecret } = await readSecret<AcumaticaOAuthCredentials>(deps.db, deps.box, connectionId);
    const store = databaseCredentialStore<AcumaticaOAuthCredentials>(deps.db, deps.box, connectionId, (c) => new Date(c.expiresAt));
    auth = { kind: 'oauth', store, clientId: config.clientId ?? '', ...(clientSecret ? { clientSecret } : {}) };
  } else {
    auth = { kind: 'cookie', store: databaseCredentialStore<AcumaticaLoginCredentials>(deps.db, deps.box, connectionId) };
  }
  return { client: createAcumaticaClient({ site: config.site, auth, logger: deps.log, limiter: limiterFor(acumaticaSpec, row, { db: deps.db, appIdentity: `${config.site.instanceUrl}|${config.site.tenant}` }) }), config };
}

/**
 * What to paste into the Push Notifications form's webhook destination (SM302000): the address
 * under the connector's public URL and the header with this connection's value. That value only
 * lets a sender ask for records to be read again from Acumatica; it is shown here so the set-up
 * can be done (or redone) from `ml-connector ping`, which issues it the first time.
 */
async function pushSetUp(deps: SideDeps, connectionId: string): Promise<Record<string, string>> {
  return { address: `<public URL>${pushPath}`, headerName: pushHeaderName, headerValue: await issuePushSecret(deps, connectionId) };
}

export const acumaticaSystem: SystemEntry = {
  id: 'acumatica',
  spec: acumaticaSpec,
  async openSide(deps, connectionId) {
    return new AcumaticaPort(await openAcumaticaClient(deps, connectionId));
  },
  /** Versions, branches, vendors, open bills and accounts (a cookie session is signed out after), and the push set-up. */
  async ping(deps, connectionId) {
    const { client, config } = await openWithConfig(deps, connectionId);
    try {
      const found = await pingAcumatica(client);
      return { ...found, auth: config.auth ?? 'cookie', pushNotifications: await pushSetUp(deps, connectionId) };
    } finally {
      await client.close();
    }
  },
  webhook: acumaticaWebhook,
  connect: acumaticaCredentialsFlow,
  reconnectCommand,
};
