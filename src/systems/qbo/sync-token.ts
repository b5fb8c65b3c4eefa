import { ConnectorError } from '../../core/errors.ts';
import { isQboFault, qboFaultCodes } from './errors.ts';

/**
 * An update under QBO's optimistic locking (IntuitEntity SyncToken; stale → 400 code 5010,
 * https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/handling-common-errors):
 * read the current record, apply the change with its SyncToken; on 5010 someone changed it in
 * between, so read it again, apply again and try once more. A second 5010 is a conflict for a person.
 */
export async function withSyncToken<T extends { SyncToken: string }, R>(what: string, read: () => Promise<T>, write: (current: T) => Promise<R>): Promise<R> {
  try {
    return await write(await read());
  } catch (e) {
    if (!isQboFault(e, qboFaultCodes.staleObject)) throw e;
  }
  try {
    return await write(await read());
  } catch (e) {
    if (!isQboFault(e, qboFaultCodes.staleObject)) throw e;
    throw new ConnectorError({
      code: 'MLC_ERR_CONFLICT',
      system: 'qbo',
      status: e.status,
      vendorCode: qboFaultCodes.staleObject,
      message: `${what} was changed in QuickBooks Online while the connector was updating it, twice in a row (Stale Object Error 5010); decide which version to keep, then replay it.`,
      cause: e,
    });
  }
}

/** A per-item failure the engine records against that record; anything else (auth, limits, lost answers) stops the batch. */
export function itemFailure(e: unknown): ConnectorError | null {
  return e instanceof ConnectorError && (e.kind === 'invalid_data' || e.kind === 'conflict') ? e : null;
}
