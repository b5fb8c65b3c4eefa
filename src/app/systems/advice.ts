/**
 * A vendor error's own advice ("Run `ml-connector connect xero` again to reconnect.", "Run
 * `ml-connector connect qbo` to connect the company again.") is generic: it does not know the
 * connection. It is replaced by the exact command, once.
 */
export function adviseReconnect(reason: string, command: string): string {
  const bare = reason.replace(/\s*Run `ml-connector connect [a-z]+`[^.]*\.\s*/g, ' ').replace(/[\s.:;]+$/, '').trim();
  return `${bare}. Connect it again with: ${command}`;
}
