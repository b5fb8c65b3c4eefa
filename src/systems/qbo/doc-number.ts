import { createHash } from 'node:crypto';
import { qboDocNumberMax } from './spec.ts';

/**
 * A DocNumber within QBO's 21 characters (Finance.xsd). A longer invoice number keeps its first 16
 * characters, then `~` and four hex characters of its hash, so two long numbers that share a
 * prefix stay distinct; the full number goes into PrivateNote beside it (to-wire.ts). The hash is
 * of the lower-cased number, so the search after a lost answer, which knows the number only
 * lower-cased (model/payloads.ts billMatchKey), finds it again by comparing lower-cased.
 */
export function qboDocNumber(invoiceNumber: string): string {
  const text = invoiceNumber.trim();
  if ([...text].length <= qboDocNumberMax) return text;
  const hash = createHash('sha256').update(text.toLowerCase()).digest('hex').slice(0, 4);
  return `${[...text].slice(0, qboDocNumberMax - 5).join('')}~${hash}`;
}
