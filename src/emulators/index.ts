import { startBillEmulator, type BillEmulator } from './bill/index.ts';
import { startXeroEmulator, type XeroEmulator } from './xero/index.ts';

export interface EmulatorsOptions {
  only?: ('xero' | 'bill')[];
  /** Xero's port; BILL takes the next one. 0 picks free ports. */
  port?: number;
  host?: string;
  latencyMs?: number;
  seed?: number;
  webhookDelayScale?: number;
}

export interface Emulators {
  xero: XeroEmulator | null;
  bill: BillEmulator | null;
  /** The ready line `ml-connector emulate` prints: URLs and the sandbox credentials. */
  describe(): Record<string, unknown>;
  stop(): Promise<void>;
}

/** Starts the emulators in this process (tests, demo) or for the `emulate` command. */
export async function startEmulators(options: EmulatorsOptions = {}): Promise<Emulators> {
  const only = new Set(options.only ?? ['xero', 'bill']);
  const common = {
    host: options.host ?? '127.0.0.1',
    latencyMs: options.latencyMs ?? 0,
    seed: options.seed ?? 1,
    webhookDelayScale: options.webhookDelayScale ?? 1,
  };
  const base = options.port ?? 0;
  const xero = only.has('xero') ? await startXeroEmulator({ ...common, port: base }) : null;
  let bill: BillEmulator | null = null;
  try {
    bill = only.has('bill') ? await startBillEmulator({ ...common, port: base === 0 ? 0 : base + 1 }) : null;
  } catch (e) {
    await xero?.stop();
    throw e;
  }
  return {
    xero,
    bill,
    describe: () => ({
      ...(xero ? { xero: { api: xero.urls.api, identity: xero.urls.identity, login: xero.urls.login, connections: xero.urls.connections, control: `${xero.urls.base}/_emulator`, sandbox: xero.sandbox } } : {}),
      ...(bill ? { bill: { api: bill.urls.api, events: bill.urls.events, control: `${bill.urls.base}/_emulator`, sandbox: bill.sandbox } } : {}),
    }),
    stop: async () => {
      await Promise.all([xero?.stop(), bill?.stop()]);
    },
  };
}
