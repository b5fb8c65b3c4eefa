import { parse, intOption, UsageError } from '../args.ts';
import { exitCodes } from '../output.ts';
import { emulatorCatalog, emulatorIds, isEmulatorId, maxBasePort } from '../../emulators/catalog.ts';
import type { Command } from './types.ts';

const inWords = (items: readonly string[]): string => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);
const names = emulatorIds.join(',');
const ports = emulatorCatalog.map((e, i) => (i === 0 ? `${e.title} listens on --port` : `${e.title} on --port + ${i}`)).join(', ');

export const emulate: Command = {
  summary: `start the local ${inWords(emulatorCatalog.map((e) => e.title))} API emulators (sandbox)`,
  usage: `Usage: ml-connector emulate [--only ${names}] [--port N] [--latency-ms N] [--latency-per-item-ms N] [--seed N] [--host H]

Starts the emulators on loopback and prints one JSON line with their URLs and sandbox credentials
when ready. ${ports} (0 picks free ports). Runs until SIGINT/SIGTERM.

--latency-per-item-ms holds a bulk or batch request that much longer per item, on top of --latency-ms.`,
  async run(argv) {
    const { values } = parse(argv, {
      only: { type: 'string' },
      port: { type: 'string' },
      'latency-ms': { type: 'string' },
      'latency-per-item-ms': { type: 'string' },
      seed: { type: 'string' },
      host: { type: 'string' },
    });
    const only = (values.only ?? names).split(',').map((s) => s.trim()).filter(Boolean);
    for (const o of only) if (!isEmulatorId(o)) throw new UsageError(`--only accepts ${inWords(emulatorIds)}, got '${o}'`);
    // Loaded on use so that --help and usage errors stay quick.
    const { startEmulators } = await import('../../emulators/index.ts');
    const handle = await startEmulators({
      only: only.filter(isEmulatorId),
      port: intOption(values.port, 'port', 0, maxBasePort) ?? 0,
      latencyMs: intOption(values['latency-ms'], 'latency-ms', 0, 60_000) ?? 0,
      latencyPerItemMs: intOption(values['latency-per-item-ms'], 'latency-per-item-ms', 0, 1_000) ?? 0,
      seed: intOption(values.seed, 'seed', 0, 2 ** 31 - 1) ?? 1,
      host: values.host ?? '127.0.0.1',
    });
    process.stdout.write(`${JSON.stringify(handle.describe())}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await handle.stop();
    return exitCodes.ok;
  },
};
