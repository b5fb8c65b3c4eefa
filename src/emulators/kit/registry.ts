import type { EmulatorOptions } from './base.ts';

/** What an emulator must offer to be started by `startEmulators` and the `emulate` command. */
export interface EmulatorDefinition<Id extends string, Handle extends RunningEmulator> {
  id: Id;
  start(options: EmulatorOptions): Promise<Handle>;
  /** Its part of the `emulate` ready line: URLs, the `/_emulator` control base and the sandbox credentials. */
  describe(handle: Handle): Record<string, unknown>;
}

export interface RunningEmulator {
  stop(): Promise<void>;
}

/**
 * Starts the given definitions one after the other, each on its own port. When one fails to start,
 * those already running are stopped before the error is passed on, so no port stays taken.
 */
export async function startInOrder<D extends EmulatorDefinition<string, RunningEmulator>>(
  definitions: readonly D[],
  options: (definition: D) => EmulatorOptions,
): Promise<Map<D, RunningEmulator>> {
  const running = new Map<D, RunningEmulator>();
  try {
    for (const definition of definitions) running.set(definition, await definition.start(options(definition)));
  } catch (e) {
    await Promise.allSettled([...running.values()].map((handle) => handle.stop()));
    throw e;
  }
  return running;
}
