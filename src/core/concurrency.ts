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

/**
 * Reads pages ahead of their consumer and hands them over in rounds: each round is every page that
 * has arrived since the last one was taken (at least one page, at most `limit` items unless a single
 * page holds more). A round goes out as soon as there is something to do, so a short listing's
 * first page is written while the next is read; and rounds grow to `limit` when writing is slower
 * than reading, so the writer's batches go out together. Reading pauses while `limit` items wait.
 * A read that fails is thrown after the pages read before it have been handed over.
 */
export async function* rounds<T>(source: AsyncIterable<T>, size: (page: T) => number, limit: number): AsyncGenerator<T[]> {
  const it = source[Symbol.asyncIterator]();
  const buffer: T[] = [];
  let buffered = 0;
  let ended = false;
  let stopped = false;
  let failure: { error: unknown } | null = null;
  let wakeConsumer: (() => void) | null = null;
  let wakeReader: (() => void) | null = null;
  const wake = (w: (() => void) | null) => w?.();
  void (async () => {
    try {
      while (!stopped) {
        while (buffered >= limit && !stopped) await new Promise<void>((r) => (wakeReader = r));
        if (stopped) break;
        const next = await it.next();
        if (next.done) break;
        buffer.push(next.value);
        buffered += size(next.value);
        wake(wakeConsumer);
        wakeConsumer = null;
      }
    } catch (e) {
      failure = { error: e };
    } finally {
      ended = true;
      wake(wakeConsumer);
      wakeConsumer = null;
    }
  })();
  try {
    while (true) {
      if (buffer.length === 0 && !ended) await new Promise<void>((r) => (wakeConsumer = r));
      if (buffer.length > 0) {
        const round: T[] = [];
        let items = 0;
        while (buffer.length > 0 && (round.length === 0 || items + size(buffer[0]!) <= limit)) {
          const page = buffer.shift()!;
          items += size(page);
          round.push(page);
        }
        buffered -= items;
        wake(wakeReader);
        wakeReader = null;
        yield round;
      } else if (failure) throw (failure as { error: unknown }).error;
      else if (ended) return;
    }
  } finally {
    // The consumer stopped early (an error, a stop request): read no further.
    stopped = true;
    wake(wakeReader);
    wakeReader = null;
  }
}
