import { acumaticaEmulator } from './acumatica/index.ts';
import { billEmulator } from './bill/index.ts';
import { qboEmulator } from './qbo/index.ts';
import { emulatorIds, emulatorPort, type EmulatorId } from './catalog.ts';
import type { EmulatorOptions, PerItemLatencyOption } from './kit/base.ts';
import type { EmulatorDefinition, RunningEmulator } from './kit/registry.ts';
import { startInOrder } from './kit/registry.ts';
import { xeroEmulator } from './xero/index.ts';

export { emulatorIds, isEmulatorId, type EmulatorId } from './catalog.ts';

/**
 * The emulator registry: one definition per id of catalog.ts. Adding an emulator is a definition in
 * its folder, an entry there and one here; ports, `--only`, the ready line and stopping follow.
 */
const definitions = {
  xero: xeroEmulator,
  bill: billEmulator,
  acumatica: acumaticaEmulator,
  qbo: qboEmulator,
} satisfies { [K in EmulatorId]: EmulatorDefinition<K, RunningEmulator> };

type HandleOf<K extends EmulatorId> = Awaited<ReturnType<(typeof definitions)[K]['start']>>;

export interface EmulatorsOptions {
  /** Which emulators to start (default: all), always started in registry order. */
  only?: EmulatorId[];
  /** The first emulator's port; the n-th in the registry takes port + n whether or not the others run. 0 picks free ports. */
  port?: number;
  host?: string;
  latencyMs?: number;
  /** Per item of a bulk or batch request, on top of latencyMs (each emulator's context reads it from its options). */
  latencyPerItemMs?: number;
  seed?: number;
  webhookDelayScale?: number;
}

/** The running emulators by id (null for those not started), the ready line and stop. */
export type Emulators = { readonly [K in EmulatorId]: HandleOf<K> | null } & {
  /** The ready line `ml-connector emulate` prints: URLs and the sandbox credentials. */
  describe(): Record<string, unknown>;
  stop(): Promise<void>;
};

/** Starts the emulators in this process (tests, demo) or for the `emulate` command. */
export async function startEmulators(options: EmulatorsOptions = {}): Promise<Emulators> {
  const only = new Set<EmulatorId>(options.only ?? emulatorIds);
  const chosen = emulatorIds.filter((id) => only.has(id));
  const base = options.port ?? 0;
  const running = await startInOrder(chosen.map((id) => definitions[id] as EmulatorDefinition<EmulatorId, RunningEmulator>), (definition) => {
    const each: EmulatorOptions & PerItemLatencyOption = {
      host: options.host ?? '127.0.0.1',
      latencyMs: options.latencyMs ?? 0,
      latencyPerItemMs: options.latencyPerItemMs ?? 0,
      seed: options.seed ?? 1,
      webhookDelayScale: options.webhookDelayScale ?? 1,
      port: emulatorPort(definition.id, base),
    };
    return each;
  });
  const handles = Object.fromEntries(emulatorIds.map((id) => [id, running.get(definitions[id] as EmulatorDefinition<EmulatorId, RunningEmulator>) ?? null]));
  return {
    ...(handles as { [K in EmulatorId]: HandleOf<K> | null }),
    describe: () => Object.fromEntries([...running].map(([definition, handle]) => [definition.id, definition.describe(handle)])),
    stop: async () => {
      await Promise.all([...running.values()].map((handle) => handle.stop()));
    },
  };
}
