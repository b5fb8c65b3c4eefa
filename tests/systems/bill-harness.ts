import { startBillEmulator, type BillEmulator, type BillEmulatorOptions } from '../../src/emulators/bill/index.ts';
import type { TransportTimers } from '../../src/http/transport.ts';
import type { BillCredentials } from '../../src/systems/bill/auth.ts';
import { createBillClient, type BillClientOptions } from '../../src/systems/bill/client.ts';
import { MemoryCredentialStore } from '../../src/systems/memory-credential-store.ts';
import { captureLogs } from './log-capture.ts';

export interface BillHarness {
  emu: BillEmulator;
  store: MemoryCredentialStore<BillCredentials>;
  logs: ReturnType<typeof captureLogs>;
  /** Backoff waits the transport asked for (they are not slept, to keep tests fast). */
  waits: number[];
  client(extra?: Partial<BillClientOptions>): ReturnType<typeof createBillClient>;
  faults(config: Record<string, unknown>): Promise<void>;
  advanceClock(seconds: number): Promise<void>;
  stats(): Promise<{ callsByEndpoint: Record<string, number>; maxInFlight: Record<string, number>; rejections: Record<string, number>; limitViolations: number; faultsInjected: Record<string, number> }>;
  stop(): Promise<void>;
}

export async function startBillHarness(options: BillEmulatorOptions = {}): Promise<BillHarness> {
  const emu = await startBillEmulator(options);
  const store = new MemoryCredentialStore<BillCredentials>({ ...emu.sandbox });
  const logs = captureLogs();
  const waits: number[] = [];
  const timers: TransportTimers = { now: () => Date.now(), sleep: async (ms) => void waits.push(ms) };
  const control = async (path: string, body?: unknown) => {
    const res = await fetch(`${emu.urls.base}/_emulator/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    emu,
    store,
    logs,
    waits,
    client: (extra = {}) => createBillClient({ credentials: store, urls: { api: emu.urls.api, events: emu.urls.events }, logger: logs.logger, timers, ...extra }),
    faults: async (config) => void (await control('faults', config)),
    advanceClock: async (seconds) => void (await control('clock', { advanceSeconds: seconds })),
    stats: async () => control('stats') as ReturnType<BillHarness['stats']>,
    stop: () => emu.stop(),
  };
}
