/**
 * The crash harness, for each ERP pair (Xero ⇄ BILL, Acumatica ⇄ BILL, BILL → QuickBooks Online): the emulators run in this process, the connector runs as a child process
 * through the real CLI (`bin/ml-connector.js sync --json`), and the test SIGKILLs the child at the
 * exact request it chooses. The emulators tell us synchronously when a request arrives (the kit's
 * `stats.onCall`), before processing it, so a kill on a write lands while the write is applied
 * and its answer goes to a dead process: the hardest case for duplicates.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { openRuntime, type Runtime } from '../../src/app/runtime.ts';
import { startEmulators, type Emulators } from '../../src/emulators/index.ts';
import type { EmulatorContext } from '../../src/emulators/kit/base.ts';
import { connectSandbox } from '../../src/sandbox/connect.ts';
import { connectAcumaticaSandbox } from '../../src/sandbox/connect-acumatica.ts';
import { connectBillQboSandbox } from '../../src/sandbox/connect-bill-qbo.ts';
import type { BillQboSettings } from '../../src/pairs/bill-qbo/settings.ts';
import { useLicenceLimits } from '../helpers/acumatica-sandbox.ts';
import { control, type Json } from '../helpers/emulator-control.ts';

export { control, type Json };

export const cliPath = fileURLToPath(new URL('../../bin/ml-connector.js', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export type System = 'xero' | 'bill' | 'acumatica' | 'qbo';

/** The ERP side of the pair under test: Xero ⇄ BILL, Acumatica ⇄ BILL or BILL → QBO. */
export type ErpSystem = Exclude<System, 'bill'>;

/** Where to kill: the `nth` request (counted from the child's start) whose "METHOD path" matches. */
export interface KillPoint {
  system: System;
  endpoint: RegExp;
  nth: number;
  /** Shown in assertion messages. */
  label: string;
  /** The signal sent there (default SIGKILL; SIGINT asks the CLI to stop after the current page). */
  signal?: NodeJS.Signals;
  /** Faults (POST /_emulator/faults) on that emulator during this run only. */
  faults?: Record<string, unknown>;
}

export interface ChildOutcome {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Requests each emulator received from this child, by endpoint. */
  calls: Record<System, Record<string, number>>;
}

export class CrashRig {
  readonly masterKey = randomBytes(32).toString('hex');

  private constructor(
    readonly emulators: Emulators,
    readonly erpSystem: ErpSystem,
    readonly dataDir: string,
    readonly databaseUrl: string | undefined,
    readonly linkName: string,
  ) {}

  /** Starts and seeds the emulators, then connects them and creates the link through a runtime that is closed again. */
  static async open(options: { dataDir: string; databaseUrl?: string | undefined; seed: number; suppliers: number; bills: number; linkName?: string }): Promise<CrashRig> {
    const emulators = await startEmulators({ only: ['xero', 'bill'], seed: options.seed });
    try {
      await control(emulators.xero!.urls.base, 'POST', '/seed', { seed: options.seed, suppliers: options.suppliers, bills: options.bills, customers: 0, salesInvoices: 0, purchaseOrders: 0 });
      await control(emulators.bill!.urls.base, 'POST', '/seed', { seed: options.seed, vendors: 3, bills: 0 });
      const rig = new CrashRig(emulators, 'xero', options.dataDir, options.databaseUrl, options.linkName ?? 'crash');
      // PGlite is one process per data directory: this runtime is closed before any child starts.
      const rt = await rig.runtime();
      try {
        await connectSandbox(rt, emulators, { linkName: rig.linkName });
      } finally {
        await rt.close();
      }
      return rig;
    } catch (e) {
      await emulators.stop();
      throw e;
    }
  }

  /**
   * Acumatica ⇄ BILL: seeds the Acumatica emulator with vendors and bills in mixed statuses and an
   * empty BILL organisation, connects both through the user's paths (the credentials check, BILL's
   * login) and creates the link; the connection runs under the emulated licence's limits.
   */
  static async openAcumatica(options: { dataDir: string; databaseUrl?: string | undefined; seed: number; vendors: number; bills: number; linkName?: string }): Promise<CrashRig> {
    const emulators = await startEmulators({ only: ['acumatica', 'bill'], seed: options.seed });
    try {
      await control(emulators.acumatica!.urls.base, 'POST', '/seed', { seed: options.seed, vendors: options.vendors, bills: options.bills });
      await control(emulators.bill!.urls.base, 'POST', '/seed', { seed: options.seed, vendors: 0, bills: 0 });
      const rig = new CrashRig(emulators, 'acumatica', options.dataDir, options.databaseUrl, options.linkName ?? 'crash');
      const rt = await rig.runtime();
      try {
        await connectAcumaticaSandbox(rt, { acumatica: emulators.acumatica!, bill: emulators.bill! }, { linkName: rig.linkName });
        await useLicenceLimits(rt.db, emulators.acumatica!);
      } finally {
        await rt.close();
      }
      return rig;
    } catch (e) {
      await emulators.stop();
      throw e;
    }
  }

  /**
   * BILL → QuickBooks Online: seeds BILL with vendors, bills (the seed pays some) and departments,
   * lets the caller prepare the QBO company and choose the link's settings (its account and
   * department maps), then connects both through the user's paths (Intuit's code flow, BILL's
   * login) and creates the link.
   */
  static async openQbo(options: {
    dataDir: string; databaseUrl?: string | undefined; seed: number; vendors: number; bills: number; linkName?: string;
    settings: (emulators: { qbo: NonNullable<Emulators['qbo']>; bill: NonNullable<Emulators['bill']> }) => Promise<Partial<BillQboSettings>>;
  }): Promise<CrashRig> {
    const emulators = await startEmulators({ only: ['qbo', 'bill'], seed: options.seed });
    try {
      await control(emulators.bill!.urls.base, 'POST', '/seed', { seed: options.seed, vendors: options.vendors, bills: options.bills, departments: 4 });
      const settings = await options.settings({ qbo: emulators.qbo!, bill: emulators.bill! });
      const rig = new CrashRig(emulators, 'qbo', options.dataDir, options.databaseUrl, options.linkName ?? 'crash');
      const rt = await rig.runtime();
      try {
        await connectBillQboSandbox(rt, { qbo: emulators.qbo!, bill: emulators.bill! }, { linkName: rig.linkName, settings });
      } finally {
        await rt.close();
      }
      return rig;
    } catch (e) {
      await emulators.stop();
      throw e;
    }
  }

  get xero() {
    if (!this.emulators.xero) throw new Error('this rig runs Acumatica ⇄ BILL, not Xero');
    return this.emulators.xero;
  }

  get acumatica() {
    if (!this.emulators.acumatica) throw new Error('this rig runs Xero ⇄ BILL, not Acumatica');
    return this.emulators.acumatica;
  }

  get qbo() {
    if (!this.emulators.qbo) throw new Error(`this rig runs ${this.erpSystem}, not QuickBooks Online`);
    return this.emulators.qbo;
  }

  /** The ERP emulator of the pair: its base URL and context (clock, stats). */
  get erp(): { urls: { base: string }; ctx: EmulatorContext } {
    return this.erpSystem === 'xero' ? this.xero : this.erpSystem === 'qbo' ? this.qbo : this.acumatica;
  }

  private emulatorOf(system: System): { urls: { base: string }; ctx: EmulatorContext } {
    return system === 'bill' ? this.bill : this.erp;
  }

  get bill() {
    return this.emulators.bill!;
  }

  /** A runtime on the rig's database, for setup and for reading results while no child runs. */
  runtime(): Promise<Runtime> {
    return openRuntime({ dataDir: this.dataDir, databaseUrl: this.databaseUrl, masterKey: this.masterKey, logLevel: 'silent' });
  }

  /** Environment of a child: only what the CLI reads, so nothing from the test process leaks in. */
  env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ML_CONNECTOR_DATA_DIR: this.dataDir,
      ML_CONNECTOR_MASTER_KEY: this.masterKey,
      ML_CONNECTOR_LOG_LEVEL: 'silent',
      // The emulators apply a write as soon as its body has arrived, so a killed child's last write
      // has landed by the time the next child starts (a start takes over a second): a one-second
      // settle window lets each run settle the intents the previous one left. The window itself is
      // tested in lost-answers.test.ts with a write that lands late.
      ML_CONNECTOR_SETTLE_SECONDS: '1',
      ...(this.databaseUrl ? { DATABASE_URL: this.databaseUrl } : {}),
    };
  }

  /**
   * Runs `ml-connector <args>` in a child. With a kill point, the child is SIGKILLed the moment
   * that request arrives at the emulator; if the run ends before it, the outcome shows an exit code
   * instead of the signal, and the caller's assertion on `signal` fails.
   */
  async runCli(args: string[], kill?: KillPoint): Promise<ChildOutcome> {
    const calls: Record<System, Record<string, number>> = { xero: {}, bill: {}, acumatica: {}, qbo: {} };
    let child: ChildProcess | null = null;
    let seen = 0;
    const observe = (system: System) => (endpoint: string) => {
      calls[system][endpoint] = (calls[system][endpoint] ?? 0) + 1;
      if (kill && system === kill.system && kill.endpoint.test(endpoint) && ++seen === kill.nth) child?.kill(kill.signal ?? 'SIGKILL');
    };
    const faultsBase = kill?.faults ? this.emulatorOf(kill.system).urls.base : null;
    if (faultsBase) await control(faultsBase, 'POST', '/faults', kill!.faults);
    // Runs a minute apart, as scheduled runs would be: each starts with the ERP's minute allowance
    // (Xero: 60 calls) to itself instead of waiting out what the runs just before it used.
    this.erp.ctx.clock.advance(60_000);
    const stopErp = this.erp.ctx.stats.onCall(observe(this.erpSystem));
    const stopBill = this.bill.ctx.stats.onCall(observe('bill'));
    try {
      const started = performance.now();
      child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
        child!.once('error', reject);
        child!.once('close', (c, s) => resolve([c, s]));
      });
      if (process.env.MLC_TEST_TIMINGS === '1') process.stderr.write(`[timing] ml-connector ${args[0]}${kill ? ` killed at ${kill.label}` : ''}: ${Math.round(performance.now() - started)} ms, ${this.erpSystem} calls ${JSON.stringify(calls[this.erpSystem])}\n`);
      return { pid: child.pid!, code, signal, stdout, stderr, calls };
    } finally {
      stopErp();
      stopBill();
      if (faultsBase) await control(faultsBase, 'POST', '/faults', {});
    }
  }

  sync(kill?: KillPoint): Promise<ChildOutcome> {
    return this.runCli(['sync', '--link', this.linkName, '--json'], kill);
  }

  async close(): Promise<void> {
    await this.emulators.stop();
  }
}
