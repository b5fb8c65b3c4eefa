import type { ConnectionRow } from '../store/repos/connections.ts';
import { adviseReconnect } from './systems/advice.ts';
import { systemEntry } from './systems/index.ts';

type Row = Pick<ConnectionRow, 'id' | 'system' | 'tenant_id' | 'config'>;

/**
 * The exact command that connects a stored connection again: same connection id (--name), so its
 * links keep working, and what else its system's entry keeps (Xero: the same app, host and
 * tenant). Secrets are never part of it: they come from the environment variables the command names.
 */
export function reconnectCommand(row: Row): string {
  return systemEntry(row.system)?.reconnectCommand(row) ?? `ml-connector connect ${row.system} --name ${row.id}`;
}

/** A vendor error's generic advice replaced by the exact command, once. */
export function withReconnectAdvice(reason: string, row: Row): string {
  return adviseReconnect(reason, reconnectCommand(row));
}
