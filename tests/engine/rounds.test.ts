/**
 * Rounds of pages read ahead (core/concurrency.ts): the first page goes out at once, pages that
 * arrive while a round is processed make the next round together, reading pauses at the limit,
 * and a failed read comes after the pages read before it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rounds } from '../../src/core/concurrency.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pages of `n` items each, every read taking `readMs`; `reads` counts the reads started. */
function listing(pages: number, n: number, readMs: number, failAt?: number) {
  const counter = { reads: 0 };
  async function* gen(): AsyncGenerator<number[]> {
    for (let p = 0; p < pages; p += 1) {
      counter.reads += 1;
      await sleep(readMs);
      if (p === failAt) throw new Error(`page ${p} could not be read`);
      yield Array.from({ length: n }, (_, i) => p * n + i);
    }
  }
  return { pages: gen(), counter };
}

test('a round goes out as soon as a page is in; pages read while it is processed go together next', async () => {
  const { pages } = listing(6, 10, 10);
  const seen: number[] = [];
  for await (const round of rounds(pages, (p) => p.length, 1000)) {
    seen.push(round.length);
    // Processing takes as long as many reads: the pages read meanwhile make the next round.
    await sleep(150);
  }
  assert.equal(seen[0], 1, 'the first page is not held back for the next');
  assert.equal(seen.reduce((a, b) => a + b, 0), 6, 'every page once');
  assert.ok(seen.slice(1).some((n) => n >= 2), `later rounds take the pages that arrived meanwhile (${seen.join(', ')})`);
});

test('reading pauses while the limit is waiting, and no round exceeds it', async () => {
  const { pages, counter } = listing(20, 10, 1);
  const it = rounds(pages, (p) => p.length, 30)[Symbol.asyncIterator]();
  const first = await it.next();
  assert.ok(!first.done && first.value.length <= 3);
  await sleep(100);
  // Three pages of ten wait at most, plus the read under way.
  assert.ok(counter.reads <= 1 + 3 + 1 + first.value.length, `reading paused at the limit (${counter.reads} reads started)`);
  let total = first.value.length;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    assert.ok(r.value.length * 10 <= 30, `a round holds at most the limit (${r.value.length} pages)`);
    total += r.value.length;
  }
  assert.equal(total, 20);
});

test('a page larger than the limit is a round of its own', async () => {
  const { pages } = listing(3, 50, 1);
  const seen: number[] = [];
  for await (const round of rounds(pages, (p) => p.length, 30)) seen.push(round.length);
  assert.deepEqual(seen, [1, 1, 1]);
});

test('a failed read is thrown after the pages read before it', async () => {
  const { pages } = listing(5, 10, 5, 3);
  const items: number[] = [];
  await assert.rejects(async () => {
    for await (const round of rounds(pages, (p) => p.length, 1000)) for (const p of round) items.push(...p);
  }, /page 3 could not be read/);
  assert.equal(items.length, 30, 'the three pages before the failure were handed over');
});

test('a consumer that stops early stops the reading', async () => {
  const { pages, counter } = listing(50, 10, 2);
  for await (const round of rounds(pages, (p) => p.length, 20)) {
    assert.ok(round.length > 0);
    break;
  }
  const after = counter.reads;
  await sleep(50);
  assert.ok(counter.reads <= after + 1, `no more reads after the stop (${after} then ${counter.reads})`);
});
