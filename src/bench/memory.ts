import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from './run.ts';

const mainPath = fileURLToPath(new URL('./main.ts', import.meta.url));

/**
 * Peak RSS at two sizes, each first sync in a fresh process (peak RSS only ever grows within a
 * process, so one process cannot measure two sizes). What matters is the growth: a sync that
 * streams page by page grows little with the number of bills; one that loads everything grows with it.
 */
export async function runMemoryComparison(
  options: { small: number; large: number; latencyMs: number; seed: number },
  say: (line: string) => void,
): Promise<number> {
  const sizes = [options.small, options.large];
  const reports: BenchReport[] = [];
  for (const bills of sizes) {
    say(`first sync of ${bills} bills in its own process…`);
    reports.push(await child(['--bills', String(bills), '--latency-ms', String(options.latencyMs), '--seed', String(options.seed), '--skip-payments', '--no-reconcile', '--json']));
  }
  say('');
  for (const r of reports) {
    const p = r.phases[0]!;
    const heap = r.heapUsedMb === null ? '' : `live JS heap ${r.heapUsedMb.toFixed(1)} MB`;
    const db = r.databaseMemoryMb === null ? '' : `database WebAssembly memory ${r.databaseMemoryMb.toFixed(1)} MB`;
    const where = [heap, db].filter(Boolean).join(', ');
    say(`${String(r.seededBills).padStart(6)} bills: peak RSS ${r.peakRssMb.toFixed(1)} MB${where ? ` (at the end: ${where})` : ''}, ${p.records} bills created in ${(p.ms / 1000).toFixed(1)} s (${p.status})`);
  }
  const growth = reports[1]!.peakRssMb - reports[0]!.peakRssMb;
  say(`growth ${options.small} → ${options.large} bills: ${growth.toFixed(1)} MB`);
  return reports.some((r) => r.phases[0]!.status === 'failed') ? 1 : 0;
}

function child(args: string[]): Promise<BenchReport> {
  return new Promise((resolve, reject) => {
    // --expose-gc: the child reports its live heap after a full collection, not garbage awaiting one.
    const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', mainPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    proc.once('error', reject);
    proc.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as BenchReport);
      } catch {
        reject(new Error(`the benchmark child (${args.join(' ')}) exited ${code} without its JSON figures`));
      }
    });
  });
}
