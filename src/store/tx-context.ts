import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Tracks which root database handle has a transaction callback running in the current async
 * context. PGlite has a single connection and queues every query behind an open transaction, so
 * a query on the root handle from inside that transaction's callback would wait forever. Both
 * back-ends refuse such a query with a clear error instead, so the mistake shows up in tests on
 * either back-end.
 */
interface TxFrame {
  readonly root: object;
  active: boolean;
}

const storage = new AsyncLocalStorage<TxFrame[]>();

export function runInTransactionContext<T>(root: object, fn: () => Promise<T>): Promise<T> {
  const frame: TxFrame = { root, active: true };
  const frames = [...(storage.getStore() ?? []), frame];
  // The frame is deactivated when the callback settles, so timers or detached promises that
  // outlive the transaction are not mistaken for being inside it.
  return storage.run(frames, () => fn().finally(() => { frame.active = false; }));
}

/** Whether a transaction callback on this root handle is running in the current async context. */
export function insideTransactionOf(root: object): boolean {
  return (storage.getStore() ?? []).some((f) => f.root === root && f.active);
}
