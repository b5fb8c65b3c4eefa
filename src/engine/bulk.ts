import { asConnectorError, type ConnectorError } from '../core/errors.ts';
import { isAmbiguousWrite } from '../http/ambiguous-write-error.ts';
import { isFatal } from './steps/failures.ts';

/**
 * What became of one item sent in a write (ADR-0003):
 * - written: the target answered with the new record's id;
 * - refused: the target answered no, so nothing was written (invalid data, a server error the
 *   transport gave up on, a refused login or limit);
 * - unknown: the request went out and its answer was lost or unreadable, so the record may exist;
 *   its intent must be kept until a search of the target has settled it;
 * - unsent: never sent, because a fatal error ended the step first.
 */
export type WriteOutcome<R> =
  | { kind: 'written'; value: R }
  | { kind: 'refused'; error: ConnectorError }
  | { kind: 'unknown'; error: ConnectorError }
  | { kind: 'unsent' };

export interface BulkResult<R> {
  outcomes: WriteOutcome<R>[];
  /** The first error that must end the run (re-auth, allowance used up, a bug), once every chunk in flight settled. */
  fatal: ConnectorError | null;
}

/** An error whose write may have landed: a lost or unreadable answer, or an unexpected failure mid-call. */
export const mayHaveWritten = (error: ConnectorError): boolean => isAmbiguousWrite(error) || error.kind === 'bug';

/**
 * Sends items through an all-or-nothing bulk endpoint in chunks of `cap`, up to `parallel` in
 * flight. When a chunk is refused as invalid it is split in halves until the bad items stand alone,
 * so one bad record costs O(log n) extra calls and every good record still goes through (BILL bulk
 * bills and vendors are atomic: developer.bill.com/reference/createbulkbills).
 *
 * It never returns, nor throws, while a chunk is still in flight: a lost answer on one chunk must
 * not start a search of the target while sibling chunks may still be creating records, or their
 * records would be missed and created twice. Every item comes back with its own outcome; a fatal
 * error stops new chunks from starting and is returned once the ones in flight have settled.
 */
export async function sendInChunks<T, R>(
  items: readonly T[],
  cap: number,
  parallel: number,
  send: (chunk: readonly T[]) => Promise<R[]>,
): Promise<BulkResult<R>> {
  const outcomes: WriteOutcome<R>[] = items.map(() => ({ kind: 'unsent' }));
  let fatal: ConnectorError | null = null;
  const settle = (start: number, end: number, outcome: WriteOutcome<R>) => {
    for (let i = start; i < end; i += 1) outcomes[i] = outcome;
  };

  const run = async (start: number, end: number): Promise<void> => {
    if (fatal) return;
    const chunk = items.slice(start, end);
    let error: ConnectorError;
    try {
      const out = await send(chunk);
      if (out.length === chunk.length) {
        out.forEach((value, i) => (outcomes[start + i] = { kind: 'written', value }));
        return;
      }
      error = asConnectorError(new Error(`bulk answer has ${out.length} items for ${chunk.length} sent`));
    } catch (e) {
      error = asConnectorError(e);
    }
    if (mayHaveWritten(error)) {
      settle(start, end, { kind: 'unknown', error });
      if (isFatal(error)) fatal ??= error;
      return;
    }
    if (isFatal(error)) {
      settle(start, end, { kind: 'refused', error });
      fatal ??= error;
      return;
    }
    if (error.kind !== 'invalid_data' || chunk.length === 1) {
      settle(start, end, { kind: 'refused', error });
      return;
    }
    const mid = start + Math.ceil(chunk.length / 2);
    await run(start, mid);
    await run(mid, end);
  };

  const chunks = evenChunks(items.length, cap);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(parallel, chunks.length)) }, async () => {
    while (next < chunks.length && !fatal) {
      const [s, e] = chunks[next++]!;
      await run(s, e);
    }
  });
  await Promise.all(workers);
  return { outcomes, fatal };
}

/**
 * As few chunks as the cap allows, of even sizes: 496 items at cap 200 go as 166, 165, 165 rather
 * than 200, 200, 96, so chunks sent side by side finish together.
 */
function evenChunks(length: number, cap: number): [number, number][] {
  const chunks: [number, number][] = [];
  const count = Math.ceil(length / cap);
  for (let k = 0, start = 0; k < count; k += 1) {
    const end = start + Math.ceil((length - start) / (count - k));
    chunks.push([start, end]);
    start = end;
  }
  return chunks;
}
