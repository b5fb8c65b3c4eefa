import type { CredentialStore } from './types.ts';

/**
 * An in-memory CredentialStore for tests and one-off scripts. `update` runs one function at a time
 * (a promise-chain mutex stands in for the database lock), and every saved value is recorded in
 * `saves` so tests can check what was persisted and when.
 */
export class MemoryCredentialStore<C> implements CredentialStore<C> {
  private value: C;
  private lock: Promise<unknown> = Promise.resolve();
  readonly saves: C[] = [];
  /** Called with each value about to be saved; throwing makes the save (and the update) fail. */
  beforeSave: ((next: C) => void | Promise<void>) | undefined;

  constructor(initial: C) {
    this.value = structuredClone(initial);
  }

  async load(): Promise<C> {
    return structuredClone(this.value);
  }

  update(fn: (current: C) => Promise<C | undefined>): Promise<C> {
    const run = this.lock.then(async () => {
      const next = await fn(structuredClone(this.value));
      if (next !== undefined) {
        await this.beforeSave?.(next);
        this.value = structuredClone(next);
        this.saves.push(structuredClone(next));
      }
      return structuredClone(this.value);
    });
    this.lock = run.catch(() => undefined);
    return run;
  }
}
