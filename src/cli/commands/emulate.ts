import { parse, intOption, UsageError } from '../args.ts';
import { exitCodes } from '../output.ts';
import type { Command } from './types.ts';

export const emulate: Command = {
  summary: 'start the local Xero and BILL API emulators (sandbox)',
  usage: `Usage: ml-connector emulate [--only xero,bill] [--port N] [--latency-ms N] [--seed N] [--host H]

Starts the emulators on loopback and prints one JSON line with their URLs and sandbox credentials
when ready. Xero listens on --port, BILL on --port + 1 (0 picks free ports). Runs until SIGINT/SIGTERM.`,
  async run(argv) {
    const { values } = parse(argv, {
      only: { type: 'string' },
      port: { type: 'string' },
      'latency-ms': { type: 'string' },
      seed: { type: 'string' },
      host: { type: 'string' },
    });
    const only = (values.only ?? 'xero,bill').split(',').map((s) => s.trim()).filter(Boolean);
    for (const o of only) if (o !== 'xero' && o !== 'bill') throw new UsageError(`--only accepts xero and bill, got '${o}'`);
    // Loaded on use so that --help and usage errors stay quick.
    const { startEmulators } = await import('../../emulators/index.ts');
    const handle = await startEmulators({
      only: only as ('xero' | 'bill')[],
      port: intOption(values.port, 'port', 0, 65534) ?? 0,
      latencyMs: intOption(values['latency-ms'], 'latency-ms', 0, 60_000) ?? 0,
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
