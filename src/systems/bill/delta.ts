import type { UndecodedItem } from '../../http/decode.ts';
import { textField } from '../unreadable.ts';
import type { BillPage, CheckedRecords } from './org-client.ts';

/** One record of a list page, or one that did not decode, with its `updatedTime` in epoch ms. */
interface Element<W> {
  time: number;
  record?: W;
  invalid?: UndecodedItem;
}

const stampOf = (text: string | null | undefined): number => {
  const t = Date.parse(text ?? '');
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
};

/** A list read page by page, one element at a time. */
class ListHead<W extends { updatedTime: string }> {
  readonly buffer: Element<W>[] = [];
  private done = false;

  constructor(private readonly pages: AsyncIterator<BillPage<W>>) {}

  async peek(): Promise<Element<W> | undefined> {
    while (this.buffer.length === 0 && !this.done) {
      const next = await this.pages.next();
      if (next.done) {
        this.done = true;
        break;
      }
      const page = next.value;
      this.buffer.push(
        ...page.records.map((record) => ({ time: stampOf(record.updatedTime), record })),
        // An element that did not decode takes its place by whatever stamp can be read of it.
        ...page.invalid.map((invalid) => ({ time: stampOf(textField(invalid, 'updatedTime')), invalid })),
      );
      this.buffer.sort((a, b) => a.time - b.time);
    }
    return this.buffer[0];
  }
}

/**
 * Several lists, each sorted oldest first (`sort=updatedTime:asc`), merged into batches of at most
 * `size`, oldest first across them. `newest` is the newest stamp given out so far: nothing left in
 * any list is older, so it is a safe place to resume from. At least one batch is given, empty when
 * every list is. The lists are read one page at a time, at most one request per list in flight.
 */
export async function* mergeByUpdatedTime<W extends { updatedTime: string }>(
  lists: readonly AsyncIterable<BillPage<W>>[],
  size: number,
): AsyncGenerator<CheckedRecords<W> & { newest: number }> {
  const heads = lists.map((l) => new ListHead(l[Symbol.asyncIterator]()));
  let batch: CheckedRecords<W> = { records: [], invalid: [] };
  let count = 0;
  let given = 0;
  let newest = Number.NEGATIVE_INFINITY;
  for (;;) {
    const next = await Promise.all(heads.map((h) => h.peek()));
    let pick = -1;
    next.forEach((e, i) => {
      if (e && (pick < 0 || e.time < next[pick]!.time)) pick = i;
    });
    if (pick < 0) break;
    const e = heads[pick]!.buffer.shift()!;
    newest = Math.max(newest, e.time);
    if (e.record) batch.records.push(e.record);
    else if (e.invalid) batch.invalid.push(e.invalid);
    if (++count === size) {
      yield { ...batch, newest };
      given += 1;
      batch = { records: [], invalid: [] };
      count = 0;
    }
  }
  if (count > 0 || given === 0) yield { ...batch, newest };
}
