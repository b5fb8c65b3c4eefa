import { billEmulator, startBillEmulator } from '../emulators/bill/index.ts';
import { startXeroEmulator, xeroEmulator } from '../emulators/xero/index.ts';

/**
 * One emulator of the many-organisations bench in a process of its own, as `ml-connector emulate
 * --only <system>` runs it, but with the BILL options that command has no flags for: the hourly
 * allowance and the length of its (compressed) hour. Prints one JSON ready line
 * ({"<system>": <the emulate command's description>}) and runs until SIGTERM.
 * Usage: node --import tsx src/bench/scale-emulator-child.ts '<json options>'
 */
interface ChildOptions {
  system: 'xero' | 'bill';
  latencyMs: number;
  latencyPerItemMs: number;
  seed: number;
  hourlyLimit?: number;
  hourMs?: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const common = { host: '127.0.0.1', port: 0, latencyMs: options.latencyMs, latencyPerItemMs: options.latencyPerItemMs, seed: options.seed };
let stop: () => Promise<void>;
if (options.system === 'bill') {
  const bill = await startBillEmulator({ ...common, ...(options.hourlyLimit ? { hourlyLimit: options.hourlyLimit } : {}), ...(options.hourMs ? { hourMs: options.hourMs } : {}) });
  process.stdout.write(`${JSON.stringify({ bill: billEmulator.describe(bill) })}\n`);
  stop = () => bill.stop();
} else if (options.system === 'xero') {
  const xero = await startXeroEmulator(common);
  process.stdout.write(`${JSON.stringify({ xero: xeroEmulator.describe(xero) })}\n`);
  stop = () => xero.stop();
} else {
  process.stderr.write(`scale-emulator-child: system must be xero or bill, got ${JSON.stringify(options.system)}\n`);
  process.exit(2);
}
await new Promise<void>((resolve) => {
  process.once('SIGTERM', () => resolve());
  process.once('SIGINT', () => resolve());
});
await stop();
