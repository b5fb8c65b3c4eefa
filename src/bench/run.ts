import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRuntime } from '../app/runtime.ts';
import { backendOf } from '../store/backend.ts';
import type { Db } from '../store/db.ts';
import { createLogger } from '../core/log.ts';
import { reconcile } from '../engine/reconcile.ts';
import { syncLink } from '../engine/sync.ts';
import type { Link } from '../model/link.ts';
import type { Runtime } from '../app/runtime.ts';
import { connectSandbox } from '../sandbox/connect.ts';
import { connectAcumaticaSandbox } from '../sandbox/connect-acumatica.ts';
import { getConnection, readSecret, saveConnection } from '../store/repos/connections.ts';
import { profiled } from './cpu-profile.ts';
import { EmulatorProcess } from './emulator-process.ts';
import { benchAcumaticaLicence } from './floor.ts';
import { connectBillQbo, seedBillSource } from './bill-qbo-setup.ts';
import { billIsSource, describeLatency, systemLabel, type ErpName, type LatencyProfile, type SystemLatency, type SystemName } from './latency.ts';
import { payShareOfBills, type PaidShare } from './pay-bills.ts';
import { measurePhase, type PhaseFigures } from './phase.ts';

export interface BenchOptions {
  /** The ERP side of the pair: Xero ⇄ BILL, Acumatica ⇄ BILL, or BILL → QuickBooks Online. */
  erp: ErpName;
  bills: number;
  suppliers: number;
  profile: LatencyProfile;
  /** Each system's emulated latency: the profile's, overridden by --latency-ms and --<system>-latency-ms. */
  latency: Record<SystemName, SystemLatency>;
  seed: number;
  skipPayments: boolean;
  reconcile: boolean;
  /** Where to write a CPU profile of each timed run (null: no profiling). */
  cpuProfileDir: string | null;
}

export interface BenchReport {
  options: BenchOptions;
  /** Bills the source sandbox holds, in every status (Acumatica: every AP document type; QBO runs: BILL's bills). */
  seededBills: number;
  seededByStatus: Record<string, number>;
  phases: PhaseFigures[];
  paid: PaidShare | null;
  /** Peak resident set of this (the syncing) process, in MB, taken before reconciling. */
  peakRssMb: number;
  /**
   * Where the memory is when the runs end: the live JS heap (after a full collection; null unless
   * node runs with --expose-gc, as the --memory children do) and the embedded database's WebAssembly memory.
   */
  heapUsedMb: number | null;
  databaseMemoryMb: number | null;
  ledgersAgree: boolean | null;
  differences: number;
}

/**
 * One benchmark run: emulators in their own process, a fresh embedded database, a link connected
 * through the real OAuth and login paths, then a timed first sync and (unless skipped) a timed
 * payments-back run after a share of the bills was paid in BILL.
 */
export async function runBench(options: BenchOptions, say: (line: string) => void): Promise<BenchReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mlc-bench-'));
  const erp = options.erp;
  say(`starting the emulators (${describeLatency(options.latency, erp)}) in their own processes`);
  const emulators = await EmulatorProcess.start({ erp, latency: options.latency, seed: options.seed });
  try {
    const fromBill = billIsSource(erp);
    say(`seeding ${fromBill ? 'BILL' : systemLabel[erp]} with ${options.suppliers} ${erp === 'xero' ? 'suppliers' : 'vendors'} and ${options.bills} bills`);
    const seeded = fromBill ? await seedBillSource(emulators, options) : await seedErp(emulators, options);
    if (!fromBill) {
      const billSeed = (await emulators.control('bill', '/seed', { seed: options.seed, vendors: 3, bills: 0 })) as { organizationId: string };
      // Seeding BILL replaces its organisation; connect to the new one.
      emulators.useBillOrganization(billSeed.organizationId);
    }

    say('creating the embedded database in a separate process');
    await createDataDir(dataDir);
    const rt = await openRuntime({ dataDir, masterKey: undefined, log: createLogger({ level: process.env.ML_CONNECTOR_LOG_LEVEL ?? 'error' }) });
    try {
      const link = await connect(rt, emulators);
      const phases: PhaseFigures[] = [];
      say(fromBill ? 'first sync: BILL vendors and bills to QBO vendors and purchase orders' : `first sync: accounts, ${erp === 'xero' ? 'suppliers' : 'subaccounts, vendors'} and bills to BILL`);
      // BILL → QBO payments run on a schedule of their own; the poll (the first sync) leaves them out.
      const firstSync = fromBill ? { steps: { skipScheduled: true } } : {};
      phases.push(await measurePhase(emulators, 'first sync', 'bill.create', options.latency, () => profiled(options.cpuProfileDir, 'first-sync', () => syncLink(rt.deps, link, firstSync))));

      let paid: PaidShare | null = null;
      if (!options.skipPayments) {
        paid = await payShareOfBills(emulators);
        const payments = fromBill ? { name: 'payments', run: { steps: { only: ['payment'] } } } : { name: 'payments back', run: {} };
        say(`paid ${paid.full} bills in full and ${paid.partial} in part in BILL; ${payments.name} run`);
        phases.push(await measurePhase(emulators, payments.name, 'payment.create', options.latency, () => profiled(options.cpuProfileDir, payments.name.replace(' ', '-'), () => syncLink(rt.deps, link, payments.run))));
      }
      const peakRssMb = process.resourceUsage().maxRSS / 1024;
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const heapUsedMb = gc ? process.memoryUsage().heapUsed / 2 ** 20 : null;
      const databaseMemoryMb = wasmMemoryMb(rt.db);

      let ledgersAgree: boolean | null = null;
      let differences = 0;
      if (options.reconcile) {
        say('reconciling (after the memory figure, so it does not count)');
        const report = await reconcile(rt.deps, link);
        ledgersAgree = report.agree;
        differences = report.differences.length;
      }
      return { options, seededBills: seeded.bills, seededByStatus: seeded.byStatus, phases, paid, peakRssMb, heapUsedMb, databaseMemoryMb, ledgersAgree, differences };
    } finally {
      await rt.close();
    }
  } finally {
    await emulators.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface Seeded {
  bills: number;
  byStatus: Record<string, number>;
}

/** Seeds the ERP's sandbox through its control route and says what it holds, by status. */
async function seedErp(emulators: EmulatorProcess, options: BenchOptions): Promise<Seeded> {
  if (options.erp === 'xero') {
    const xero = (await emulators.control('xero', '/seed', { seed: options.seed, suppliers: options.suppliers, bills: options.bills })) as { tenants: { bills: number; billsByStatus: Record<string, number> }[] };
    return { bills: xero.tenants[0]?.bills ?? 0, byStatus: xero.tenants[0]?.billsByStatus ?? {} };
  }
  await emulators.control('acumatica', '/seed', { seed: options.seed, vendors: options.suppliers, bills: options.bills });
  // The dump wraps every field as {"value": …}, as the API does.
  const state = (await emulators.control('acumatica', '/state')) as { tenants: { records: { Bill?: { Type?: { value?: string }; Status?: { value?: string } }[] } }[] };
  const bills = state.tenants[0]?.records.Bill ?? [];
  const byStatus: Record<string, number> = {};
  for (const b of bills) {
    const key = `${b.Type?.value ?? '?'} ${b.Status?.value ?? '?'}`;
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  return { bills: bills.length, byStatus };
}

/**
 * Connects the bench link through the paths a user takes. An Acumatica connection is then given
 * the bench instance's licence (config.limits, as a deployment with that licence sets it): its
 * published figures, and a per-minute budget of 45 % of the allowance. The licence slows every
 * request once those of the past minute reach half of it, and a budget of exactly half was slowed
 * (245 of 2,204 payments-back calls at 25 ms): the licence counts a request when it arrives, the
 * client when it sends it, so jitter of a few ms puts the 301st inside the licence's minute. The
 * concurrency budget stays the spec's, one under the licence's cap.
 */
async function connect(rt: Runtime, emulators: EmulatorProcess): Promise<Link> {
  if (emulators.erp === 'xero') return (await connectSandbox(rt, emulators.xeroEndpoints, { linkName: 'bench' })).link;
  if (emulators.erp === 'qbo') return connectBillQbo(rt, emulators);
  const { link } = await connectAcumaticaSandbox(rt, emulators.acumaticaEndpoints, { linkName: 'bench' });
  const row = await getConnection(rt.db, link.erpConnectionId);
  if (!row) throw new Error(`connection '${link.erpConnectionId}' was not saved`);
  const limits = {
    concurrency: { published: benchAcumaticaLicence.concurrentRequests },
    windows: [{ name: 'minute', published: benchAcumaticaLicence.requestsPerMinute, budget: Math.floor(benchAcumaticaLicence.requestsPerMinute * 0.45) }],
  };
  const secret = await readSecret<unknown>(rt.db, rt.box, row.id);
  await saveConnection(rt.db, rt.box, { id: row.id, system: row.system, label: row.label, tenantId: row.tenant_id, config: { ...row.config, limits }, secret });
  return link;
}

const initScript = fileURLToPath(new URL('./init-data-dir.ts', import.meta.url));

/** Runs initdb and the migrations in a child, so this process's peak RSS is the sync's, not initdb's. */
function createDataDir(dataDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', initScript, dataDir], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`creating the benchmark database exited with code ${code}`))));
  });
}

/** Size of the embedded database's WebAssembly memory (it grows and never shrinks); null on PostgreSQL. */
function wasmMemoryMb(db: Db): number | null {
  const backend = backendOf(db);
  if (backend?.kind !== 'pglite') return null;
  // Not public API: PGlite keeps its Emscripten module as `mod`; the figure is left out if that changes.
  const memory = (backend.pglite as unknown as { mod?: { wasmMemory?: { buffer?: { byteLength?: number } } } }).mod?.wasmMemory?.buffer?.byteLength;
  return typeof memory === 'number' ? memory / 2 ** 20 : null;
}
