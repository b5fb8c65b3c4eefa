import type { ErrorCode } from '../core/errors.ts';
import type { UndecodedItem } from '../http/decode.ts';

/**
 * A record a service sent that cannot be turned into the canonical model (an amount with more
 * decimals than its currency has, a currency that is not ISO 4217, a status the connector does not
 * know). It fails alone with `code`; the rest of its page is read.
 */
export class UnreadableRecord extends Error {
  override readonly name = 'UnreadableRecord';

  constructor(message: string, readonly code: ErrorCode = 'MLC_ERR_BAD_RESPONSE') {
    super(message);
  }
}

/**
 * A text field of an element that did not decode, when it is one: enough to name the record (its
 * id, its number) in its failure. Nothing else of such an element is read.
 */
export function textField(item: UndecodedItem, key: string): string | null {
  const raw = item.raw;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const v = (raw as Record<string, unknown>)[key];
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}
