import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SandboxEndpoints } from '../sandbox/connect.ts';
import type { AcumaticaSandboxEndpoints } from '../sandbox/connect-acumatica.ts';
import type { BillQboSandboxEndpoints } from '../sandbox/connect-bill-qbo.ts';
import type { StatsSnapshot } from '../emulators/kit/stats.ts';
import { systemsOf, type ErpName, type SystemLatency, type SystemName } from './latency.ts';

/** The ready line `ml-connector emulate` prints: one JSON object with the URLs of the emulators it started. */
interface ReadyLine {
  xero: { api: string; identity: string; login: string; connections: string; control: string; sandbox: { clientId: string; clientSecret: string } };
  acumatica: { base: string; control: string; sandbox: { name: string; password: string; tenant: string; branch: string } };
  qbo: { api: string; control: string; sandbox: { clientId: string; clientSecret: string; webhookVerifierToken?: string } };
  bill: { api: string; events: string; control: string; sandbox: { devKey: string; username: string; password: string; organizationId: string } };
}

const cliPath = fileURLToPath(new URL('../../bin/ml-connector.js', import.meta.url));

type System = SystemName;

/**
 * Each emulator in a process of its own (`ml-connector emulate --only <system>`), as the real
 * services are: the syncing process's memory and CPU figures are its own, and Xero's work never
 * waits behind BILL's on one event loop. Everything else goes over HTTP: seeding, stats and
 * payments through each emulator's `/_emulator` control routes.
 */
export class EmulatorProcess {
  private constructor(
    readonly erp: ErpName,
    private readonly children: Partial<Record<System, ChildProcess>>,
    private readonly ready: Partial<ReadyLine>,
  ) {}

  /** The run's systems: its ERP, then BILL. */
  get systems(): [ErpName, 'bill'] {
    return systemsOf(this.erp);
  }

  static async start(options: { erp: ErpName; latency: Record<System, SystemLatency>; seed: number }): Promise<EmulatorProcess> {
    const started: Partial<Record<System, { child: ChildProcess; line: Partial<ReadyLine> }>> = {};
    try {
      await Promise.all(systemsOf(options.erp).map(async (system) => {
        const { baseMs, perItemMs } = options.latency[system];
        const args = ['emulate', '--only', system, '--latency-ms', String(baseMs), '--latency-per-item-ms', String(perItemMs), '--seed', String(options.seed)];
        const child = spawn(process.execPath, [cliPath, ...args], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        // Never leave an emulator running when this process ends on an error.
        const killOnExit = () => child.kill('SIGTERM');
        process.once('exit', killOnExit);
        child.once('exit', () => process.off('exit', killOnExit));
        started[system] = { child, line: {} };
        started[system].line = parseReadyLine(await firstLine(child));
      }));
      const ready = checkReady(options.erp, { [options.erp]: started[options.erp]!.line[options.erp], bill: started.bill!.line.bill });
      return new EmulatorProcess(options.erp, { [options.erp]: started[options.erp]!.child, bill: started.bill!.child }, ready);
    } catch (e) {
      for (const s of Object.values(started)) s.child.kill('SIGTERM');
      throw e;
    }
  }

  /** BILL's URLs and sandbox credentials (the organisation is the one its last seed made). */
  get bill(): NonNullable<SandboxEndpoints['bill']> {
    const bill = this.ready.bill!;
    return { urls: { api: bill.api, events: bill.events }, sandbox: { ...bill.sandbox } };
  }

  /** URLs and credentials in the shape connectSandbox takes (a Xero run). */
  get xeroEndpoints(): SandboxEndpoints {
    const xero = this.ready.xero;
    if (!xero) throw new Error('the Xero emulator is not running in this benchmark');
    return { xero: { urls: { api: xero.api, login: xero.login, identity: xero.identity, connections: xero.connections }, sandbox: xero.sandbox }, bill: this.bill };
  }

  /** URLs and credentials in the shape connectAcumaticaSandbox takes (an Acumatica run). */
  get acumaticaEndpoints(): AcumaticaSandboxEndpoints {
    const acu = this.ready.acumatica;
    if (!acu) throw new Error('the Acumatica emulator is not running in this benchmark');
    return { acumatica: { urls: { base: acu.base }, sandbox: acu.sandbox }, bill: this.bill };
  }

  /** URLs and credentials in the shape connectBillQboSandbox takes (a BILL → QBO run). */
  get qboEndpoints(): BillQboSandboxEndpoints {
    const qbo = this.ready.qbo;
    if (!qbo) throw new Error('the QBO emulator is not running in this benchmark');
    // The ready line names the API and control roots; the OAuth and API paths hang off their common base.
    const base = qbo.control.replace(/\/_emulator$/, '');
    return { qbo: { urls: { base }, sandbox: { clientId: qbo.sandbox.clientId, clientSecret: qbo.sandbox.clientSecret } }, bill: this.bill };
  }

  /** Seeding BILL replaces its organisation: later connections go to the new one. */
  useBillOrganization(organizationId: string): void {
    this.ready.bill!.sandbox.organizationId = organizationId;
  }

  control(system: System, path: string, body?: unknown): Promise<unknown> {
    const ready = this.ready[system];
    if (!ready) throw new Error(`the ${system} emulator is not running in this benchmark`);
    return controlCall(`${ready.control}${path}`, body);
  }

  stats(system: System): Promise<StatsSnapshot> {
    return this.control(system, '/stats') as Promise<StatsSnapshot>;
  }

  /** The per-item latency this emulator has held so far for bulk and batch calls, in ms. */
  async itemLatencyHeldMs(system: System): Promise<number> {
    return ((await this.control(system, '/latency')) as { itemLatencyHeldMs: number }).itemLatencyHeldMs;
  }

  async resetStats(): Promise<void> {
    await Promise.all(this.systems.map((s) => this.control(s, '/stats/reset', {})));
  }

  /**
   * CPU time one emulator's process has used so far, in ms (Linux /proc; null elsewhere). An
   * emulator serves on one event loop, so its CPU time is work no client concurrency can overlap.
   */
  cpuMs(system: System): number | null {
    try {
      // /proc/<pid>/stat: the command name may hold spaces, so count fields after its closing parenthesis;
      // utime and stime are fields 14 and 15, in clock ticks (proc(5)).
      const stat = readFileSync(`/proc/${this.children[system]!.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond();
    } catch {
      return null;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.children).map(async (child) => {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }));
  }
}

let ticks: number | undefined;
function clockTicksPerSecond(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

export async function controlCall(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`emulator control ${new URL(url).pathname} answered ${res.status}: ${text.slice(0, 300)}`);
  return text === '' ? null : JSON.parse(text);
}

/** The emulator process's ready line (its first line on stdout); rejects if it exits first. */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const onExit = (code: number | null) => reject(new Error(`the emulator process exited (code ${code}) before printing its ready line`));
    child.once('exit', onExit);
    child.once('error', reject);
    lines.once('line', (line) => {
      child.off('exit', onExit);
      lines.close();
      resolve(line);
    });
  });
}

function parseReadyLine(line: string): Partial<ReadyLine> {
  try {
    return JSON.parse(line) as Partial<ReadyLine>;
  } catch {
    throw new Error(`the emulator ready line is not JSON: ${line.slice(0, 200)}`);
  }
}

function checkReady(erp: ErpName, v: Partial<ReadyLine>): Partial<ReadyLine> {
  const erpReady = { xero: Boolean(v.xero?.api && v.xero.control), acumatica: Boolean(v.acumatica?.base && v.acumatica.control), qbo: Boolean(v.qbo?.api && v.qbo.control) }[erp];
  if (!erpReady || !v.bill?.api || !v.bill.control) throw new Error(`the emulator ready lines lack the ${erp} or BILL URLs`);
  return v;
}
