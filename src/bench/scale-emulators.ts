import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AllowanceWindow } from '../emulators/bill/limits.ts';
import type { StatsSnapshot } from '../emulators/kit/stats.ts';
import { controlCall, firstLine } from './emulator-process.ts';
import type { SystemLatency } from './latency.ts';

/** What the two ready lines give: each emulator's URLs and sandbox credentials. */
export interface ScaleEndpoints {
  xero: { api: string; identity: string; login: string; connections: string; control: string; sandbox: { clientId: string; clientSecret: string } };
  bill: { api: string; events: string; control: string; sandbox: { devKey: string; username: string; password: string; organizationId: string } };
}

/** The BILL emulator's count of one devKey's allowance (`GET /_emulator/allowance`). */
export interface AllowanceDump {
  hourMs: number;
  hourlyLimit: number;
  devKeys: Record<string, AllowanceWindow[]>;
}

const childScript = fileURLToPath(new URL('./scale-emulator-child.ts', import.meta.url));

/**
 * The Xero and BILL emulators of the many-organisations bench, each in a process of its own (as
 * the real services are): BILL with the lowered allowance and compressed hour, one organisation per
 * firm on the sandbox devKey; Xero with one tenant per firm. Everything else goes over HTTP.
 */
export class ScaleEmulators {
  private constructor(
    private readonly children: ChildProcess[],
    readonly endpoints: ScaleEndpoints,
  ) {}

  static async start(options: { latency: { xero: SystemLatency; bill: SystemLatency }; seed: number; hourlyLimit: number; hourMs: number }): Promise<ScaleEmulators> {
    const children: ChildProcess[] = [];
    try {
      const [xero, bill] = await Promise.all((['xero', 'bill'] as const).map(async (system) => {
        const args = { system, latencyMs: options.latency[system].baseMs, latencyPerItemMs: options.latency[system].perItemMs, seed: options.seed, ...(system === 'bill' ? { hourlyLimit: options.hourlyLimit, hourMs: options.hourMs } : {}) };
        const child = spawn(process.execPath, ['--import', 'tsx', childScript, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
        children.push(child);
        const killOnExit = () => child.kill('SIGTERM');
        process.once('exit', killOnExit);
        child.once('exit', () => process.off('exit', killOnExit));
        const line = JSON.parse(await firstLine(child)) as Partial<ScaleEndpoints>;
        const ready = line[system];
        if (!ready?.control) throw new Error(`the ${system} emulator's ready line lacks its URLs`);
        return ready;
      }));
      return new ScaleEmulators(children, { xero: xero as ScaleEndpoints['xero'], bill: bill as ScaleEndpoints['bill'] });
    } catch (e) {
      for (const c of children) c.kill('SIGTERM');
      throw e;
    }
  }

  control(system: 'xero' | 'bill', path: string, body?: unknown): Promise<unknown> {
    return controlCall(`${this.endpoints[system].control}${path}`, body);
  }

  stats(system: 'xero' | 'bill'): Promise<StatsSnapshot> {
    return this.control(system, '/stats') as Promise<StatsSnapshot>;
  }

  /** The sandbox devKey's allowance windows as the BILL emulator counted them, across every organisation. */
  async allowance(): Promise<{ hourMs: number; hourlyLimit: number; windows: AllowanceWindow[] }> {
    const dump = (await this.control('bill', '/allowance')) as AllowanceDump;
    return { hourMs: dump.hourMs, hourlyLimit: dump.hourlyLimit, windows: dump.devKeys[this.endpoints.bill.sandbox.devKey] ?? [] };
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }));
  }
}

