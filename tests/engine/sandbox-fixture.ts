/**
 * The end-to-end fixture: both emulators on loopback, seeded over their control routes, a runtime on
 * the suite's database (PGlite or PostgreSQL from forEachBackend), and a link connected through the
 * real OAuth and login paths (src/sandbox/connect.ts). Tests read results back from each emulator's
 * `/_emulator/state` and from the database, never from the engine's own return values alone.
 */
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../src/core/log.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { engineDeps } from '../../src/app/engine-deps.ts';
import { startEmulators, type Emulators } from '../../src/emulators/index.ts';
import type { BillEmulator } from '../../src/emulators/bill/index.ts';
import type { XeroEmulator } from '../../src/emulators/xero/index.ts';
import type { StatsSnapshot } from '../../src/emulators/kit/stats.ts';
import type { EngineDeps, RunResult } from '../../src/engine/sync.ts';
import { syncLink } from '../../src/engine/sync.ts';
import { replay, type ReplayTarget } from '../../src/engine/replay.ts';
import { reconcile, type ReconcileReport } from '../../src/engine/reconcile.ts';
import type { Link, LinkSettings } from '../../src/model/link.ts';
import type { RunOptions } from '../../src/engine/context.ts';
import type { EnginePolicy } from '../../src/engine/policy.ts';
import { connectSandbox } from '../../src/sandbox/connect.ts';
import type { Db } from '../../src/store/db.ts';
import { getLink, saveLink } from '../../src/store/repos/links.ts';
import type { BillCredentials } from '../../src/systems/bill/auth.ts';
import { createBillClient } from '../../src/systems/bill/client.ts';
import type { BillOrgClient } from '../../src/systems/bill/org-client.ts';
import { MemoryCredentialStore } from '../../src/systems/memory-credential-store.ts';
import { XeroApi } from './xero-api.ts';
import { control, type Json } from '../helpers/emulator-control.ts';

export { control, type Json };

export interface SandboxOptions {
  /** Emulator seed (ids, faults); data seeds default to it too. */
  seed?: number;
  /** `seed` here is the data seed (default: the emulator seed), so one data set can sit under other tenant ids. */
  xero?: { seed?: number; suppliers?: number; bills?: number; customers?: number; salesInvoices?: number; purchaseOrders?: number };
  bill?: { seed?: number; vendors?: number; bills?: number; accounts?: number; departments?: number };
  settings?: Partial<LinkSettings>;
  linkName?: string;
  /** Engine policy (settle window, retry schedule); the engine's defaults otherwise. */
  policy?: Partial<EnginePolicy>;
}

export interface StatsPair {
  xero: StatsSnapshot;
  bill: StatsSnapshot;
}

export class Sandbox {
  private constructor(
    readonly emulators: Emulators,
    readonly xero: XeroEmulator,
    readonly bill: BillEmulator,
    readonly rt: Runtime,
    public link: Link,
    readonly xeroTenantId: string,
    readonly billOrgId: string,
    readonly paymentAccountCode: string,
    readonly xeroApi: XeroApi,
  ) {}

  static async open(db: Db, dataDir: string, options: SandboxOptions = {}): Promise<Sandbox> {
    const seed = options.seed ?? 7;
    const emulators = await startEmulators({ only: ['xero', 'bill'], seed });
    try {
      const xero = emulators.xero!;
      const bill = emulators.bill!;
      await control(xero.urls.base, 'POST', '/seed', { seed, suppliers: 6, bills: 20, customers: 2, salesInvoices: 3, purchaseOrders: 2, ...options.xero });
      await control(bill.urls.base, 'POST', '/seed', { seed, vendors: 0, bills: 0, ...options.bill });
      const log = silentLogger;
      const box = await openSecretBox({ dataDir, masterKey: randomBytes(32).toString('hex') });
      const deps: EngineDeps = engineDeps({ db, box, log }, options.policy);
      const rt: Runtime = { db, box, log, dataDir, deps, close: async () => undefined };
      const linked = await connectSandbox(rt, emulators, { linkName: options.linkName ?? 'e2e', settings: options.settings ?? {} });
      const api = new XeroApi(xero, linked.xeroTenantId);
      return new Sandbox(emulators, xero, bill, rt, linked.link, linked.xeroTenantId, linked.billOrgId, linked.paymentAccountCode, api);
    } catch (e) {
      await emulators.stop();
      throw e;
    }
  }

  get db(): Db {
    return this.rt.db;
  }

  private billClient: BillOrgClient | null = null;

  /**
   * BILL's API under a session of its own (a user working in BILL), for changes only the BILL side
   * makes: vendors or accounts that exist before the first sync, edits behind the connector's back.
   */
  get billApi(): BillOrgClient {
    this.billClient ??= createBillClient({
      credentials: new MemoryCredentialStore<BillCredentials>({ ...this.bill.sandbox }),
      urls: { api: this.bill.urls.api, events: this.bill.urls.events },
    }).forOrg(this.billOrgId);
    return this.billClient;
  }

  sync(options: RunOptions = {}): Promise<RunResult> {
    return syncLink(this.rt.deps, this.link, options);
  }

  replay(target: ReplayTarget): Promise<RunResult> {
    return replay(this.rt.deps, this.link, target);
  }

  async reconcile(): Promise<ReconcileReport> {
    return reconcile(this.rt.deps, this.link);
  }

  /** Changes the link's settings the way `link create` does: saved, then read back. */
  async updateSettings(settings: Partial<LinkSettings>): Promise<void> {
    await saveLink(this.db, { ...this.link, settings: { ...this.link.settings, ...settings } });
    this.link = (await getLink(this.db, this.link.name))!;
  }

  /** The connected Xero tenant as `/_emulator/state` shows it. */
  async xeroState(): Promise<Json> {
    const state = await control(this.xero.urls.base, 'GET', '/state');
    return state.tenants.find((t: Json) => t.tenantId === this.xeroTenantId);
  }

  /** The connected BILL organisation as `/_emulator/state` shows it. */
  async billState(): Promise<Json> {
    const state = await control(this.bill.urls.base, 'GET', '/state');
    return state.organizations.find((o: Json) => o.id === this.billOrgId);
  }

  async stats(): Promise<StatsPair> {
    const [xero, bill] = await Promise.all([control(this.xero.urls.base, 'GET', '/stats'), control(this.bill.urls.base, 'GET', '/stats')]);
    return { xero, bill };
  }

  async resetStats(): Promise<void> {
    await Promise.all([control(this.xero.urls.base, 'POST', '/stats/reset', {}), control(this.bill.urls.base, 'POST', '/stats/reset', {})]);
  }

  /** Pays a BILL bill the way the BILL network would (POST /_emulator/pay). */
  pay(billId: string, amount?: string, singleStatus?: string): Promise<Json> {
    return control(this.bill.urls.base, 'POST', '/pay', { billId, ...(amount ? { amount } : {}), ...(singleStatus ? { singleStatus } : {}) });
  }

  faults(system: 'xero' | 'bill', config: Record<string, unknown>): Promise<Json> {
    return control(this.emulatorBase(system), 'POST', '/faults', config);
  }

  advanceClock(system: 'xero' | 'bill', seconds: number): Promise<Json> {
    return control(this.emulatorBase(system), 'POST', '/clock', { advanceSeconds: seconds });
  }

  private emulatorBase(system: 'xero' | 'bill'): string {
    return system === 'xero' ? this.xero.urls.base : this.bill.urls.base;
  }

  async idMap(entity: string): Promise<Json[]> {
    return (await this.db.query('select * from id_map where link = $1 and entity = $2 order by source_id', [this.link.name, entity])).rows;
  }

  async records(entity: string): Promise<Json[]> {
    return (await this.db.query('select * from records where link = $1 and entity = $2 order by source_id', [this.link.name, entity])).rows;
  }

  async record(entity: string, sourceId: string): Promise<Json | undefined> {
    return (await this.db.query('select * from records where link = $1 and entity = $2 and source_id = $3', [this.link.name, entity, sourceId])).rows[0];
  }

  async cursors(): Promise<Record<string, string>> {
    const { rows } = await this.db.query<{ stream: string; value: string }>('select stream, value from cursors where link = $1', [this.link.name]);
    return Object.fromEntries(rows.map((r) => [r.stream, r.value]));
  }

  /** Row counts of every table a sync writes, for "nothing was written" checks. */
  async rowCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of ['id_map', 'records', 'cursors', 'audit_events', 'runs']) {
      out[table] = Number((await this.db.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0]!.n);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.emulators.stop();
  }
}

/** Sum of a stats map (rejections by limit, calls by endpoint). */
export const total = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);

/** Calls whose endpoint key matches the pattern. */
export function callsMatching(stats: StatsSnapshot, pattern: RegExp): number {
  return total(Object.fromEntries(Object.entries(stats.callsByEndpoint).filter(([k]) => pattern.test(k))));
}
