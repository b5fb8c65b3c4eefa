/** Small concurrency helpers shared by the engine and the system clients. */

/** Runs tasks with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Pulls the next page while the current one is processed, so reads overlap writes. */
export async function* prefetch<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let pending = it.next();
  while (true) {
    const current = await pending;
    if (current.done) return;
    pending = it.next();
    // Keep an unhandled rejection from surfacing before the consumer asks for the next page.
    pending.catch(() => undefined);
    yield current.value;
  }
}
