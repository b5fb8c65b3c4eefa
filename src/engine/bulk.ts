import { asConnectorError, type ConnectorError } from '../core/errors.ts';
import { isAmbiguousWrite } from '../http/ambiguous-write-error.ts';
import { isFatal } from './failures.ts';
import type { WriteResult, WriterCaps } from './ports.ts';

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
 * Sends items in batches of the writer's cap, up to its requests in flight. Every item comes back
 * with its own outcome. For an all-or-nothing writer (BILL bulk vendors and bills:
 * developer.bill.com/reference/createbulkbills) a batch refused as invalid is split in halves until
 * the bad items stand alone, so one bad record costs O(log n) extra calls and every good record
 * still goes through; a per-item writer (Xero payments with summarizeErrors=false) answers each
 * item itself.
 *
 * It never returns, nor throws, while a batch is still in flight: a lost answer on one batch must
 * not start a search of the target while sibling batches may still be creating records, or their
 * records would be missed and created twice. A fatal error stops new batches from starting and is
 * returned once the ones in flight have settled.
 */
export async function sendInBatches<T>(
  items: readonly T[],
  caps: WriterCaps,
  send: (batch: readonly T[]) => Promise<WriteResult[]>,
  options: BatchOptions = {},
): Promise<BulkResult<string>> {
  const outcomes: WriteOutcome<string>[] = items.map(() => ({ kind: 'unsent' }));
  let fatal: ConnectorError | null = null;
  const settle = (indices: readonly number[], outcome: WriteOutcome<string>) => {
    for (const i of indices) outcomes[i] = outcome;
  };

  const run = async (indices: readonly number[]): Promise<void> => {
    if (fatal) return;
    const batch = indices.map((i) => items[i]!);
    let error: ConnectorError;
    try {
      const out = await send(batch);
      if (out.length === batch.length) {
        out.forEach((r, k) => (outcomes[indices[k]!] = r.ok ? { kind: 'written', value: r.targetId } : { kind: 'refused', error: r.error }));
        return;
      }
      error = asConnectorError(new Error(`the write answered ${out.length} items for ${batch.length} sent`));
    } catch (e) {
      error = asConnectorError(e);
    }
    if (mayHaveWritten(error)) {
      settle(indices, { kind: 'unknown', error });
      if (isFatal(error)) fatal ??= error;
      return;
    }
    if (isFatal(error)) {
      settle(indices, { kind: 'refused', error });
      fatal ??= error;
      return;
    }
    if (!caps.atomic || error.kind !== 'invalid_data' || batch.length === 1) {
      settle(indices, { kind: 'refused', error });
      return;
    }
    const mid = Math.ceil(indices.length / 2);
    await run(indices.slice(0, mid));
    await run(indices.slice(mid));
  };

  // Batch sizes are fixed up front; which items fill the next batch is chosen when it starts, so
  // items a dependent step asked for meanwhile go first (options.rank).
  const sizes = evenChunks(items.length, caps.batch).map(([s, e]) => e - s);
  let remaining = items.map((_, i) => i);
  let next = 0;
  let commits: Promise<void> = Promise.resolve();
  const take = (size: number): number[] => {
    const rank = options.rank;
    const ordered = rank ? remaining.map((i) => [rank(i), i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i) : remaining;
    const batch = ordered.slice(0, size);
    const taken = new Set(batch);
    remaining = remaining.filter((i) => !taken.has(i));
    return batch.sort((a, b) => a - b);
  };
  const workers = Array.from({ length: Math.max(1, Math.min(caps.inFlight, sizes.length)) }, async () => {
    while (next < sizes.length && !fatal) {
      const batch = take(sizes[next++]!);
      await run(batch);
      const onBatch = options.onBatch;
      if (onBatch) {
        // Chained, so batches commit in the order they settled while the next batch is already on its way.
        commits = commits.then(() => onBatch(batch, outcomes)).catch((e: unknown) => {
          fatal ??= asConnectorError(e);
        });
      }
    }
  });
  await Promise.all(workers);
  await commits;
  return { outcomes, fatal };
}

export interface BatchOptions {
  /** Lower first: the order items are put in batches (default: as given). */
  rank?: (index: number) => number;
  /** Called with a batch's item indices once every item in it has its outcome; awaited before the send returns. */
  onBatch?: (indices: readonly number[], outcomes: readonly WriteOutcome<string>[]) => Promise<void>;
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
