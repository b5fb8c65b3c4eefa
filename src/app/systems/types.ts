import type { Logger } from '../../core/log.ts';
import type { ErpBillSource, PayablesHub } from '../../engine/ports.ts';
import type { Db } from '../../store/db.ts';
import type { ConnectionRow } from '../../store/repos/connections.ts';
import type { SecretBox } from '../../store/repos/secret-box.ts';
import type { SystemId, SystemSpec } from '../../systems/types.ts';
import type { ConnectFlow } from './connect-flow.ts';
import type { WebhookReceiver } from './webhook.ts';

/** What opening a system's client needs: the database (connections, credentials), the vault and a logger. */
export interface SideDeps {
  db: Db;
  box: SecretBox;
  log: Logger;
}

export type ConnectionRef = Pick<ConnectionRow, 'id' | 'system' | 'tenant_id' | 'config'>;

interface EntryBase {
  id: SystemId;
  /** The system's data (limits, auth lifetimes, webhook header, display name): src/systems/<x>/spec.ts. */
  spec: SystemSpec;
  /**
   * What `ml-connector ping` shows for one connection: read-only calls that say whether the
   * connector sees what it needs ("see if we fit"). Throws what the calls threw.
   */
  ping(deps: SideDeps, connectionId: string): Promise<Record<string, unknown>>;
  /** Inbound webhooks at /webhooks/<id>, or null when the system sends none the connector follows. */
  webhook: WebhookReceiver | null;
  /** How a person connects it: an OAuth 2.0 code flow or a credentials form. */
  connect: ConnectFlow;
  /** The exact command that connects a stored connection again (no secrets in it). */
  reconnectCommand(row: ConnectionRef): string;
}

/** A ledger: the side of a link bills come from and payments go back to. */
export interface ErpEntry extends EntryBase {
  role: 'erp';
  openSide(deps: SideDeps, connectionId: string): Promise<ErpBillSource>;
}

/** The payables hub every pair runs through. */
export interface HubEntry extends EntryBase {
  role: 'hub';
  openSide(deps: SideDeps, connectionId: string): Promise<PayablesHub>;
}

export type SystemEntry = ErpEntry | HubEntry;
