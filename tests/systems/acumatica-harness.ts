import { startAcumaticaEmulator, type AcumaticaEmulator, type AcumaticaEmulatorOptions } from '../../src/emulators/acumatica/index.ts';
import type { TransportTimers } from '../../src/http/transport.ts';
import type { AcumaticaLoginCredentials } from '../../src/systems/acumatica/auth.ts';
import { createAcumaticaClient, type AcumaticaClientOptions } from '../../src/systems/acumatica/client.ts';
import { MemoryCredentialStore } from '../../src/systems/memory-credential-store.ts';
import { captureLogs } from './log-capture.ts';

export interface AcumaticaHarness {
  emu: AcumaticaEmulator;
  store: MemoryCredentialStore<AcumaticaLoginCredentials>;
  logs: ReturnType<typeof captureLogs>;
  /** Backoff waits the transport asked for (not slept, to keep tests fast). */
  waits: number[];
  client(extra?: Partial<AcumaticaClientOptions>): ReturnType<typeof createAcumaticaClient>;
  control(path: string, body?: unknown): Promise<unknown>;
  calls(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export async function startAcumaticaHarness(options: AcumaticaEmulatorOptions = {}): Promise<AcumaticaHarness> {
  const emu = await startAcumaticaEmulator(options);
  const { name, password, tenant, branch } = emu.sandbox;
  const store = new MemoryCredentialStore<AcumaticaLoginCredentials>({ instanceUrl: emu.urls.base, username: name, password, tenant, branch });
  const logs = captureLogs();
  const waits: number[] = [];
  const timers: TransportTimers = { now: () => Date.now(), sleep: async (ms) => void waits.push(ms) };
  const control = async (path: string, body?: unknown) => {
    const res = await fetch(`${emu.urls.control}/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    emu,
    store,
    logs,
    waits,
    client: (extra = {}) =>
      createAcumaticaClient({ site: { instanceUrl: emu.urls.base, tenant, branch }, auth: { kind: 'cookie', store }, logger: logs.logger, timers, ...extra }),
    control,
    calls: async () => ((await control('stats')) as { callsByEndpoint: Record<string, number> }).callsByEndpoint,
    stop: () => emu.stop(),
  };
}
