import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallClass } from './shared-budget.ts';

export type { CallClass } from './shared-budget.ts';

const storage = new AsyncLocalStorage<CallClass>();

/**
 * Runs fn with every outbound call it makes (however deep, across awaits) counted as `callClass`:
 * the engine sets it per run (payments back and webhook follow-ups 'interactive', first syncs and
 * backfills 'bulk') without naming any system, and the limiter reads it when a call asks for a slot.
 */
export function withCallClass<T>(callClass: CallClass, fn: () => T): T {
  return storage.run(callClass, fn);
}

/** The class of the work this call belongs to; calls made outside any run count as bulk. */
export function currentCallClass(): CallClass {
  return storage.getStore() ?? 'bulk';
}
