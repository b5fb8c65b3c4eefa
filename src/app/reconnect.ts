import type { ConnectionRow } from '../store/repos/connections.ts';

/**
 * The exact command that connects a stored connection again: same connection id (--name), so its
 * links keep working, and for Xero the same app and host; `connect xero --name` keeps the stored
 * tenant. Secrets are never part of it: the BILL password and the Xero client secret come from
 * the environment variables the command names.
 */
export function reconnectCommand(row: Pick<ConnectionRow, 'id' | 'system' | 'tenant_id' | 'config'>): string {
  const config = row.config as { clientId?: string; urls?: { login?: string; api?: string } };
  if (row.system === 'xero') {
    const login = config.urls?.login;
    const base = login && !/^https:\/\/login\.xero\.com\/?$/.test(login) ? ` --base-url ${login.replace(/\/$/, '')}` : '';
    return `ml-connector connect xero --name ${row.id} --client-id ${config.clientId ?? 'ID'}${base}`;
  }
  if (row.system === 'bill') {
    const api = config.urls?.api;
    const base = api && !/^https:\/\/gateway\.(prod|stage)\.bill\.com\//.test(api) ? ` --base-url ${api.replace(/\/connect\/v3\/?$/, '')}` : '';
    return `ML_CONNECTOR_BILL_PASSWORD=… ml-connector connect bill --name ${row.id} --dev-key … --username … --org-id ${row.tenant_id ?? '…'}${base}`;
  }
  return `ml-connector connect ${row.system} --name ${row.id}`;
}

/**
 * A vendor error's own advice ("Run `ml-connector connect xero` again to reconnect.") is generic:
 * it does not know the connection. It is replaced by the exact command, once.
 */
export function withReconnectAdvice(reason: string, row: Pick<ConnectionRow, 'id' | 'system' | 'tenant_id' | 'config'>): string {
  const bare = reason.replace(/\s*Run `ml-connector connect [a-z]+` again[^.]*\.\s*/g, ' ').replace(/[\s.:;]+$/, '').trim();
  return `${bare}. Connect it again with: ${reconnectCommand(row)}`;
}
