import type { ConnectorError } from '../../core/errors.ts';

/** One record's outcome in a write of several: the QBO id written or matched, or why it failed. */
export type QboItemResult = { ok: true; targetId: string } | { ok: false; error: ConnectorError };

/** A record found again on QBO by the key it was asked for. */
export interface QboMatch {
  key: string;
  id: string;
}
