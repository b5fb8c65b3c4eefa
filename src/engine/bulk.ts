import { asConnectorError, type ConnectorError } from '../core/errors.ts';

export type ItemResult<R> = { ok: true; value: R } | { ok: false; error: ConnectorError };

/**
 * Sends items through an all-or-nothing bulk endpoint in chunks of `cap`. When a chunk is rejected
 * as invalid, it is split in halves until the bad items stand alone, so one bad record costs
 * O(log n) extra calls and every good record still goes through (BILL bulk bills and vendors are
 * atomic: developer.bill.com/reference/createbulkbills). Chunks run with up to `parallel` in flight.
 * Errors other than validation (network, limits, auth) are thrown to the caller unchanged.
 */
export async function bulkWithIsolation<T, R>(
  items: readonly T[],
  cap: number,
  parallel: number,
  send: (chunk: readonly T[]) => Promise<R[]>,
): Promise<ItemResult<R>[]> {
  const results: ItemResult<R>[] = new Array(items.length);
  // As few chunks as the cap allows, of even sizes: 496 items at cap 200 go as 166, 165, 165 rather
  // than 200, 200, 96, so chunks sent side by side finish together.
  const chunks: [number, number][] = [];
  const count = Math.ceil(items.length / cap);
  for (let k = 0, start = 0; k < count; k += 1) {
    const end = start + Math.ceil((items.length - start) / (count - k));
    chunks.push([start, end]);
    start = end;
  }

  const run = async (start: number, end: number): Promise<void> => {
    const chunk = items.slice(start, end);
    try {
      const out = await send(chunk);
      if (out.length !== chunk.length) throw new Error(`bulk answer has ${out.length} items for ${chunk.length} sent`);
      out.forEach((value, i) => (results[start + i] = { ok: true, value }));
    } catch (e) {
      const error = asConnectorError(e);
      if (error.kind !== 'invalid_data') throw error;
      if (chunk.length === 1) {
        results[start] = { ok: false, error };
        return;
      }
      const mid = start + Math.ceil(chunk.length / 2);
      await run(start, mid);
      await run(mid, end);
    }
  };

  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(parallel, chunks.length)) }, async () => {
    while (next < chunks.length) {
      const [s, e] = chunks[next++]!;
      await run(s, e);
    }
  });
  await Promise.all(workers);
  return results;
}
