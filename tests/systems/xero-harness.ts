import { startXeroEmulator } from '../../src/emulators/xero/index.ts';
import type { LimiterTimers } from '../../src/http/limiter.ts';
import type { TransportTimers } from '../../src/http/transport.ts';
import { XeroOAuth, type XeroCredentials, type XeroUrls } from '../../src/systems/xero/auth.ts';
import { createXeroClient, type XeroClientOptions } from '../../src/systems/xero/client.ts';
import { MemoryCredentialStore } from '../../src/systems/memory-credential-store.ts';
import { captureLogs } from './log-capture.ts';

type XeroEmulator = Awaited<ReturnType<typeof startXeroEmulator>>;

export interface EmulatorStatsView {
  callsByEndpoint: Record<string, number>;
  totalCalls: number;
  maxInFlight: Record<string, number>;
  rejections: Record<string, number>;
  limitViolations: number;
  faultsInjected: Record<string, number>;
}

export const REDIRECT_URI = 'http://127.0.0.1:4999/oauth/xero/callback';

/** Runs the real authorization-code flow: authorize (auto-consent, 302) → code + state → token exchange. */
export async function authorizeWithEmulator(oauth: XeroOAuth, scopes?: readonly string[]): Promise<{ credentials: XeroCredentials; state: string; returnedState: string | null; code: string; codeVerifier: string; authorizeUrl: string }> {
  const { url, state, codeVerifier } = oauth.buildAuthorizeUrl({ redirectUri: REDIRECT_URI, ...(scopes ? { scopes } : {}) });
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  const callback = new URL(location);
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in the redirect: ${location}`);
  const returnedState = callback.searchParams.get('state');
  const credentials = await oauth.exchangeCode({ code, state: returnedState, expectedState: state, redirectUri: REDIRECT_URI, codeVerifier });
  return { credentials, state, returnedState, code, codeVerifier, authorizeUrl: url };
}

export async function startXeroHarness(options: { seed?: number; latencyMs?: number } = {}) {
  const emu = await startXeroEmulator(options);
  const urls: XeroUrls = { api: emu.urls.api, login: emu.urls.login, identity: emu.urls.identity, connections: emu.urls.connections };
  const logs = captureLogs();
  const { clientId, clientSecret } = emu.sandbox;
  const control = async (path: string, body?: unknown) => {
    const res = await fetch(`${emu.urls.base}/_emulator/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<unknown>;
  };
  const oauth = new XeroOAuth({ clientId, clientSecret, urls, logger: logs.logger });
  const first = await authorizeWithEmulator(oauth);
  const tenants = await oauth.listConnections(first.credentials.accessToken);
  const store = new MemoryCredentialStore<XeroCredentials>(first.credentials);
  /** Transport waits are recorded and moved onto the emulator clock instead of being slept. */
  const waits: number[] = [];
  const emulatorTimers: TransportTimers = {
    now: () => emu.ctx.clock.now(),
    sleep: async (ms) => {
      waits.push(ms);
      emu.ctx.clock.advance(ms);
    },
  };
  const emulatorLimiterTimers: LimiterTimers = {
    now: () => emu.ctx.clock.now(),
    schedule: (ms, fn) => {
      emu.ctx.clock.advance(ms);
      const t = setImmediate(fn);
      return () => clearImmediate(t);
    },
  };
  return {
    emu,
    urls,
    logs,
    store,
    oauth,
    first,
    tenantId: tenants[0]!.tenantId,
    tenants,
    waits,
    emulatorTimers,
    emulatorLimiterTimers,
    client: (extra: Partial<XeroClientOptions> = {}) =>
      createXeroClient({ clientId, clientSecret, credentials: store, urls, logger: logs.logger, timers: emulatorTimers, ...extra }),
    faults: async (config: Record<string, unknown>) => void (await control('faults', config)),
    advanceClock: async (seconds: number) => void (await control('clock', { advanceSeconds: seconds })),
    stats: async () => (await control('stats')) as EmulatorStatsView,
    resetStats: async () => void (await control('stats/reset', {})),
    stop: () => emu.stop(),
  };
}

export type XeroHarness = Awaited<ReturnType<typeof startXeroHarness>>;

/** Calls to endpoints whose key matches `pattern` (keys look like "POST /connect/token"). */
export function callsTo(stats: EmulatorStatsView, pattern: RegExp): number {
  return Object.entries(stats.callsByEndpoint).reduce((n, [k, v]) => (pattern.test(k) ? n + v : n), 0);
}

export function totalRejections(stats: EmulatorStatsView): number {
  return Object.values(stats.rejections).reduce((a, b) => a + b, 0);
}
