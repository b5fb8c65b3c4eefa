import { ConnectorError } from '../../core/errors.ts';
import { getConnection, type ConnectionRow } from '../../store/repos/connections.ts';
import type { SystemId } from '../../systems/types.ts';
import { adviseReconnect } from './advice.ts';
import type { ConnectionRef, SideDeps } from './types.ts';

/**
 * A stored connection of `system`, ready to open: it exists, is of that system, and was not
 * revoked (then the error carries the exact command that connects it again).
 */
export async function usableConnection(deps: SideDeps, id: string, system: SystemId, reconnectCommand: (row: ConnectionRef) => string): Promise<ConnectionRow> {
  const row = await getConnection(deps.db, id);
  if (!row) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `connection '${id}' does not exist` });
  if (row.system !== system) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `connection '${id}' is a ${row.system} connection, not ${system}` });
  if (row.status === 'needs_reconnect') {
    throw new ConnectorError({
      code: 'MLC_ERR_RECONNECT_NEEDED', system,
      message: adviseReconnect(`connection '${id}' must be connected again: ${row.status_reason ?? 'it was revoked'}`, reconnectCommand(row)),
    });
  }
  return row;
}
