import { createHash } from 'node:crypto';

/**
 * The `requestid` query parameter for a create: QBO answers a repeated requestid with the first
 * answer instead of writing again (https://blogs.a.intuit.com/2018/09/10/quickbooks-online-api-best-practices/).
 * Derived from the caller's intent key (what is being created, for which source record) so that a
 * retry after a lost answer, in this process or after a restart, sends the same id and replays.
 * The realm and operation are part of the hash: one intent never collides across companies or
 * entities. Shaped as a UUID (36 characters), the form Intuit's samples use.
 */
export function qboRequestId(realmId: string, operation: string, intentKey: string): string {
  const hex = createHash('sha256').update(`${realmId}\u0000${operation}\u0000${intentKey}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
