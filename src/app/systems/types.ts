import type { Logger } from '../../core/log.ts';
import type { SystemPort } from '../../engine/ports.ts';
import type { Db } from '../../store/db.ts';
import type { ConnectionRow } from '../../store/repos/connections.ts';
import type { SecretBox } from '../../store/repos/secret-box.ts';
import type { SystemId, SystemSpec } from '../../systems/types.ts';
import type { ConnectFlow } from './connect-flow.ts';
import type { WebhookReceiver, WebhookSubscriptions } from './webhook.ts';

/** What opening a system's client needs: the database (connections, credentials), the vault and a logger. */
export interface SideDeps {
  db: Db;
  box: SecretBox;
  log: Logger;
}

export type ConnectionRef = Pick<ConnectionRow, 'id' | 'system' | 'tenant_id' | 'config'>;

/** One system at the edges of the product: its spec, how its port opens, ping, webhooks, connect flow. */
export interface SystemEntry {
  id: SystemId;
  /** The system's data (limits, auth lifetimes, webhook header, display name): src/systems/<x>/spec.ts. */
  spec: SystemSpec;
  /**
   * What `ml-connector ping` shows for one connection: read-only calls that say whether the
   * connector sees what it needs ("see if we fit"). Throws what the calls threw.
   */
  ping(deps: SideDeps, connectionId: string): Promise<Record<string, unknown>>;
  /**
   * Opens the system's port for one connection, as the engine uses it on either side of a link;
   * `options` are what the link's pair asks of the port (PairDefinition.sideOptions), unknown keys ignored.
   */
  openSide(deps: SideDeps, connectionId: string, options?: Readonly<Record<string, unknown>>): Promise<SystemPort>;
  /** Inbound webhooks at /webhooks/<id>, or null when the system sends none the connector follows. */
  webhook: WebhookReceiver | null;
  /** Subscriptions the connector keeps at the vendor for those webhooks, when the vendor needs them. */
  subscriptions?: WebhookSubscriptions;
  /** How a person connects it: an OAuth 2.0 code flow or a credentials form. */
  connect: ConnectFlow;
  /** The exact command that connects a stored connection again (no secrets in it). */
  reconnectCommand(row: ConnectionRef): string;
}
