/**
 * Acumatica ⇄ BILL end to end in one process: both emulators on loopback, a runtime on the suite's
 * database (PGlite or PostgreSQL from forEachBackend) and a link connected through the paths a user
 * takes (src/sandbox/connect-acumatica.ts: the Acumatica credentials check, BILL's login). The
 * Acumatica emulator is started on its own so a test can give it licence options (API-user cap,
 * versions). Results are read back from each emulator's `/_emulator/state`.
 */
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../src/core/log.ts';
import { parseMoney } from '../../src/core/money.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { engineDeps } from '../../src/app/engine-deps.ts';
import { startAcumaticaEmulator, type AcumaticaEmulator, type AcumaticaEmulatorOptions } from '../../src/emulators/acumatica/index.ts';
import { startBillEmulator, type BillEmulator } from '../../src/emulators/bill/index.ts';
import type { RunResult } from '../../src/engine/sync.ts';
import { syncLink } from '../../src/engine/sync.ts';
import { reconcile, type ReconcileReport } from '../../src/engine/reconcile.ts';
import type { EnginePolicy } from '../../src/engine/policy.ts';
import type { Link } from '../../src/model/link.ts';
import { connectAcumaticaSandbox } from '../../src/sandbox/connect-acumatica.ts';
import type { Db } from '../../src/store/db.ts';
import { control, type Json } from './emulator-control.ts';

export { control, type Json };

export interface AcumaticaSandboxOptions {
  seed?: number;
  vendors?: number;
  bills?: number;
  /** Options of the Acumatica emulator (licence, versions, session idle time). */
  acumatica?: Omit<AcumaticaEmulatorOptions, 'seed' | 'initialSeed'>;
  policy?: Partial<EnginePolicy>;
  /** Connect to this base URL instead of the emulator's own (a tap in front of it). */
  instanceUrl?: (acu: AcumaticaEmulator) => Promise<string> | string;
}

/**
 * The connection runs under the emulated licence's limits (connections.config.limits), as a
 * customer whose licence is larger than the spec's small default sets them: budgets under the
 * concurrency cap and under half the minute allowance, where the instance neither queues nor
 * slows requests. Runs of a suite then follow each other without waiting out a small minute budget.
 */
export async function useLicenceLimits(db: Db, acu: AcumaticaEmulator, connectionId = 'acumatica'): Promise<void> {
  const { concurrentRequests, requestsPerMinute } = acu.options;
  const limits = {
    concurrency: { published: concurrentRequests, budget: Math.max(1, concurrentRequests - 1) },
    windows: [{ name: 'minute', published: requestsPerMinute, budget: Math.floor(requestsPerMinute / 2) }],
  };
  await db.query(`update connections set config = config || $1::jsonb where id = $2`, [JSON.stringify({ limits }), connectionId]);
}

/** A record of `/_emulator/state` with its `{value}` wrappers taken off (details as plain rows). */
export function unwrap(record: Json): Json {
  const one = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(one);
    if (!v || typeof v !== 'object') return v;
    if ('value' in v) return (v as Json).value;
    return Object.keys(v).length === 0 ? null : unwrap(v);
  };
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, one(v)]));
}

export class AcumaticaSandbox {
  private constructor(
    readonly acu: AcumaticaEmulator,
    readonly bill: BillEmulator,
    readonly rt: Runtime,
    readonly link: Link,
    readonly billOrgId: string,
  ) {}

  static async open(db: Db, dataDir: string, options: AcumaticaSandboxOptions = {}): Promise<AcumaticaSandbox> {
    const seed = options.seed ?? 11;
    const acu = await startAcumaticaEmulator({ seed, ...options.acumatica });
    const bill = await startBillEmulator({ seed });
    try {
      await control(acu.urls.base, 'POST', '/seed', { seed, vendors: options.vendors ?? 12, bills: options.bills ?? 40 });
      await control(bill.urls.base, 'POST', '/seed', { seed, vendors: 0, bills: 0 });
      const box = await openSecretBox({ dataDir, masterKey: randomBytes(32).toString('hex') });
      const rt: Runtime = { db, box, log: silentLogger, dataDir, deps: engineDeps({ db, box, log: silentLogger }, options.policy), close: async () => undefined };
      const base = options.instanceUrl ? await options.instanceUrl(acu) : acu.urls.base;
      const linked = await connectAcumaticaSandbox(rt, { acumatica: { urls: { base }, sandbox: acu.sandbox }, bill }, { linkName: 'acu' });
      await useLicenceLimits(db, acu);
      return new AcumaticaSandbox(acu, bill, rt, linked.link, linked.billOrgId);
    } catch (e) {
      await acu.stop();
      await bill.stop();
      throw e;
    }
  }

  sync(): Promise<RunResult> {
    return syncLink(this.rt.deps, this.link);
  }

  reconcile(): Promise<ReconcileReport> {
    return reconcile(this.rt.deps, this.link);
  }

  /** The tenant's records of one entity, unwrapped, as `/_emulator/state` shows them. */
  async acuRecords(entity: string): Promise<Json[]> {
    const state = await control(this.acu.urls.base, 'GET', '/state');
    return (state.tenants.find((t: Json) => t.name === this.acu.sandbox.tenant)?.records[entity] ?? []).map(unwrap);
  }

  async acuState(): Promise<Json> {
    return control(this.acu.urls.base, 'GET', '/state');
  }

  /** The connected BILL organisation as `/_emulator/state` shows it. */
  async billOrg(): Promise<Json> {
    const state = await control(this.bill.urls.base, 'GET', '/state');
    return state.organizations.find((o: Json) => o.id === this.billOrgId);
  }

  async stats(system: 'acumatica' | 'bill'): Promise<Json> {
    return control(system === 'acumatica' ? this.acu.urls.base : this.bill.urls.base, 'GET', '/stats');
  }

  /** Pays a BILL bill the way the BILL network would (POST /_emulator/pay). */
  pay(billId: string, amount?: string): Promise<Json> {
    return control(this.bill.urls.base, 'POST', '/pay', { billId, ...(amount ? { amount } : {}) });
  }

  async close(): Promise<void> {
    await this.acu.stop();
    await this.bill.stop();
  }
}

/** The Acumatica documents that must reach BILL as bills: released bills (and credit adjustments) with nothing paid. */
export const releasedUnpaid = (bills: readonly Json[]): Json[] =>
  bills.filter((b) => (b.Type === 'Bill' || b.Type === 'Credit Adj.') && b.Status === 'Open' && minorOf(b.Balance, b.CurrencyID) === minorOf(b.Amount, b.CurrencyID));

export const minorOf = (amount: number | string, currency = 'USD'): bigint => parseMoney(amount, currency ?? 'USD').minor;
