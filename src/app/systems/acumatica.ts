import type { AcumaticaLoginCredentials } from '../../systems/acumatica/auth.ts';
import { createAcumaticaClient, type AcumaticaClient } from '../../systems/acumatica/client.ts';
import { pingAcumatica } from '../../systems/acumatica/ping.ts';
import { AcumaticaPort } from '../../systems/acumatica/port.ts';
import { acumaticaSpec } from '../../systems/acumatica/spec.ts';
import { databaseCredentialStore } from '../credential-store.ts';
import { acumaticaCredentialsFlow, type AcumaticaConnectionConfig } from './acumatica-credentials.ts';
import { usableConnection } from './connection.ts';
import { limiterFor } from './limits.ts';
import type { ConnectionRef, SideDeps, SystemEntry } from './types.ts';

export type { AcumaticaConnectionConfig } from './acumatica-credentials.ts';

/** The password comes from the environment; the instance, tenant and branch are the stored ones. */
function reconnectCommand(row: ConnectionRef): string {
  const site = (row.config as Partial<AcumaticaConnectionConfig>).site;
  const branch = site?.branch ? ` --branch ${site.branch}` : '';
  return `ML_CONNECTOR_ACUMATICA_PASSWORD=… ml-connector connect acumatica --name ${row.id} --base-url ${site?.instanceUrl ?? 'URL'} --tenant ${site?.tenant ?? 'NAME'}${branch} --username …`;
}

export async function openAcumaticaClient(deps: SideDeps, connectionId: string): Promise<AcumaticaClient> {
  const row = await usableConnection(deps, connectionId, 'acumatica', reconnectCommand);
  const config = row.config as unknown as AcumaticaConnectionConfig;
  return createAcumaticaClient({
    site: config.site,
    auth: { kind: 'cookie', store: databaseCredentialStore<AcumaticaLoginCredentials>(deps.db, deps.box, connectionId) },
    logger: deps.log,
    limiter: limiterFor(acumaticaSpec, row),
  });
}

export const acumaticaSystem: SystemEntry = {
  id: 'acumatica',
  spec: acumaticaSpec,
  async openSide(deps, connectionId) {
    return new AcumaticaPort(await openAcumaticaClient(deps, connectionId));
  },
  /** Versions, branches, vendors, open bills and accounts; the session is signed out after. */
  async ping(deps, connectionId) {
    const client = await openAcumaticaClient(deps, connectionId);
    try {
      return { ...(await pingAcumatica(client)) };
    } finally {
      await client.close();
    }
  },
  // Push notifications carry a static header, not a signature; their receiver joins with the pair's push set-up.
  webhook: null,
  connect: acumaticaCredentialsFlow,
  reconnectCommand,
};
