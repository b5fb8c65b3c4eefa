/**
 * A local Acumatica ERP instance on loopback speaking the contract-based REST API: `GET /entity`,
 * `/entity/auth/login|logout`, `/entity/Default/<version>/<Entity>`, OAuth 2.0 at
 * `/identity/connect/token`; in-memory tenants, deterministic from a seed. See docs/emulators/acumatica.md.
 *
 * @example
 * const acu = await startAcumaticaEmulator({ seed: 7 });
 * const res = await fetch(`${acu.urls.base}/entity/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ name: acu.sandbox.name, password: acu.sandbox.password, tenant: acu.sandbox.tenant, branch: acu.sandbox.branch }) });
 * await acu.stop();
 */
import { EmulatorContext } from '../kit/base.ts';
import type { EmulatorDefinition } from '../kit/registry.ts';
import { invokeAction } from './actions.ts';
import { seedAll, stateDump } from './control.ts';
import { Licence } from './licence.ts';
import { AcumaticaError } from './model.ts';
import { resolveOptions, type AcumaticaDeps, type AcumaticaEmulatorOptions, type ResolvedOptions } from './options.ts';
import { Push } from './push.ts';
import { sandboxUser, type SeedInput, type SeedSummary } from './seed.ts';
import { buildAcumaticaApp } from './server.ts';
import { AcumaticaState, oauthClientGuid, oauthClientSecret } from './state.ts';

export type { AcumaticaEmulatorOptions, ResolvedOptions } from './options.ts';
export type { SeedInput, SeedSummary } from './seed.ts';
export { pushRetryDelaysMs, pushQueries } from './push.ts';

export interface AcumaticaSandbox {
  name: string;
  password: string;
  /** The first tenant; `tenants` lists all of them. */
  tenant: string;
  tenants: string[];
  branch: string;
  /** OAuth 2.0 client of the first tenant (`<GUID>@<Tenant>`); `oauthClients` has one per tenant. */
  clientId: string;
  clientSecret: string;
  oauthClients: Record<string, string>;
  /** The only endpoint version served by default. */
  endpointVersion: string;
}

export interface AcumaticaEmulator {
  urls: { base: string; entity: string; endpoint: string; login: string; logout: string; token: string; control: string };
  sandbox: AcumaticaSandbox;
  ctx: EmulatorContext;
  state: AcumaticaState;
  options: ResolvedOptions;
  /** Same as `POST /_emulator/seed`: every tenant seeded afresh. */
  seed(input?: SeedInput): SeedSummary[];
  /** Runs an action at once as a user would (`ReleaseBill`, `ReleaseCheck`, `VoidCheck`); throws when it fails. */
  act(action: 'ReleaseBill' | 'ReleaseCheck' | 'VoidCheck', type: string, referenceNbr: string, tenant?: string): void;
  /** Same as `GET /_emulator/state`. */
  dump(): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startAcumaticaEmulator(opts: AcumaticaEmulatorOptions = {}): Promise<AcumaticaEmulator> {
  const ctx = new EmulatorContext(opts);
  const options = resolveOptions(opts);
  const state = new AcumaticaState(ctx.clock, ctx.seed, options);
  const deps: AcumaticaDeps = { ctx, state, options, licence: new Licence(ctx.clock, ctx.stats, options), push: new Push(ctx, state) };
  let base = '';
  const app = buildAcumaticaApp(deps, () => base);
  const oauthClients: Record<string, string> = {};
  for (const tenant of options.tenants) {
    const clientId = `${oauthClientGuid}@${tenant}`;
    state.oauth.registerClient({ clientId, clientSecret: oauthClientSecret, name: `ml-connector (${tenant})` });
    oauthClients[tenant] = clientId;
  }
  seedAll(deps, { ...opts.initialSeed, seed: opts.initialSeed?.seed ?? ctx.seed });
  const address = await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  base = address.replace('://localhost', '://127.0.0.1');
  const version = options.versions[0]!;
  const first = options.tenants[0]!;
  return {
    urls: {
      base,
      entity: `${base}/entity`,
      endpoint: `${base}/entity/Default/${version}`,
      login: `${base}/entity/auth/login`,
      logout: `${base}/entity/auth/logout`,
      token: `${base}/identity/connect/token`,
      control: `${base}/_emulator`,
    },
    sandbox: {
      name: sandboxUser.name,
      password: sandboxUser.password,
      tenant: first,
      tenants: [...options.tenants],
      branch: 'HQ',
      clientId: oauthClients[first]!,
      clientSecret: oauthClientSecret,
      oauthClients,
      endpointVersion: version,
    },
    ctx,
    state,
    options,
    seed: (input = {}) => seedAll(deps, input),
    act: (action, type, referenceNbr, tenantName) => {
      const tenant = state.tenant(tenantName ?? first);
      if (!tenant) throw new AcumaticaError(404, `no tenant ${String(tenantName)}`);
      const saved = options.actionPolls;
      options.actionPolls = 0;
      try {
        const r = invokeAction(deps, tenant, action === 'ReleaseBill' ? 'Bill' : 'Check', action, { entity: { Type: { value: type }, ReferenceNbr: { value: referenceNbr } } }, base);
        if (r.status !== 204) throw new AcumaticaError(r.status, JSON.stringify(r.body));
      } finally {
        options.actionPolls = saved;
      }
    },
    dump: () => stateDump(deps),
    stop: async () => {
      ctx.webhooks.stop();
      deps.licence.stop();
      await app.close();
    },
  };
}

/** Acumatica in the emulator registry (src/emulators/index.ts). */
export const acumaticaEmulator: EmulatorDefinition<'acumatica', AcumaticaEmulator> = {
  id: 'acumatica',
  start: (options) => startAcumaticaEmulator(options),
  describe: (acu) => ({ base: acu.urls.base, endpoint: acu.urls.endpoint, token: acu.urls.token, control: acu.urls.control, sandbox: acu.sandbox }),
};
