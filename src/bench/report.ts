import { floorExplanation } from './floor.ts';
import { billIsSource, describeLatency, systemLabel as label, systemsOf } from './latency.ts';
import type { PhaseFigures } from './phase.ts';
import type { BenchReport } from './run.ts';

const fixed = (n: number, digits = 2) => n.toFixed(digits);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The figures of one run as plain text lines. */
export function formatReport(report: BenchReport): string[] {
  const o = report.options;
  const lines = [
    '',
    `Benchmark, ${billIsSource(o.erp) ? `BILL → ${label[o.erp]}` : `${label[o.erp]} ⇄ BILL`}: ${report.seededBills} ${billIsSource(o.erp) ? 'BILL' : label[o.erp]} bills (${Object.entries(report.seededByStatus).map(([s, n]) => `${s} ${n}`).join(', ')}), ${o.suppliers} ${o.erp === 'xero' ? 'suppliers' : 'vendors'}, latency profile ${o.profile} (${describeLatency(o.latency, o.erp)}), seed ${o.seed}`,
  ];
  for (const phase of report.phases) lines.push(...formatPhase(phase));
  if (report.paid) lines.push(`  (before the ${billIsSource(o.erp) ? 'payments' : 'payments-back'} run: ${report.paid.full} bills paid in full and ${report.paid.partial} in part in BILL)`);
  lines.push('', `peak RSS of the syncing process: ${fixed(report.peakRssMb, 1)} MB${memoryAtEnd(report)}`);
  if (report.ledgersAgree !== null) lines.push(report.ledgersAgree ? 'reconcile: the ledgers agree' : `reconcile: ${report.differences} difference(s)`);
  lines.push('', ...floorExplanation(o.erp));
  return lines;
}

function formatPhase(p: PhaseFigures): string[] {
  const lines = [
    '',
    `${p.name}: ${p.status}${p.error ? ` (${p.error.code}: ${p.error.message})` : ''}, ${seconds(p.ms)}, ${p.records} ${p.recordKind} → ${fixed(p.recordsPerSecond, 1)} records/s`,
    `  counts: ${Object.entries(p.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`).join(' ')}`,
  ];
  const systems = systemsOf(p.erp);
  const width = Math.max(...systems.map((s) => label[s].length));
  for (const s of systems) {
    const f = p.systems[s]!;
    lines.push(
      `  ${label[s].padEnd(width)}: ${String(f.calls).padStart(5)} calls, ${fixed(f.callsPerRecord, 3)} per record, max in flight ${f.maxInFlight}, ` +
        `limit rejections ${f.rejections}${f.slowed > 0 ? `, slowed ${f.slowed}` : ''}, violations ${f.limitViolations}, floor ${seconds(f.floor.floorMs)} ` +
        `(concurrency ${seconds(f.floor.concurrencyMs)}, rate ${seconds(f.floor.rateMs)}${f.itemLatencyMs > 0 ? `; ${seconds(f.itemLatencyMs)} of per-item latency held` : ''})`,
    );
  }
  const d = p.dependency;
  lines.push(`  limits floor: ${seconds(p.floorMs)}`);
  lines.push(
    `  dependency floor: ${seconds(d.floorMs)}, ${d.roundTrips.length} round trips one after another (${d.source})` +
      (d.roundTrips.length ? `: ${d.roundTrips.map((t) => `${label[t.system]} ${t.what} ${Math.round(t.ms)} ms`).join(' → ')}` : ''),
  );
  lines.push(`  measured / max(limits floor, dependency floor): ${seconds(p.ms)} / ${seconds(Math.max(p.floorMs, d.floorMs))} = ${fixed(p.ratio)}×`);
  const cpu = (ms: number | null) => (ms === null ? 'unknown' : seconds(ms));
  lines.push(`  CPU: syncing process ${seconds(p.clientCpuMs)}, ${systems.map((s) => `${label[s]} emulator ${cpu(p.emulatorCpuMs[s] ?? null)}`).join(', ')}`);
  if (p.ratioToServed !== null && p.servedFloorMs !== null) {
    lines.push(`  measured / floor raised to each emulator's CPU: ${seconds(p.ms)} / ${seconds(p.servedFloorMs)} = ${fixed(p.ratioToServed)}×`);
  }
  return lines;
}

/** Endpoint breakdown, for finding where calls go (--detail). */
export function formatEndpoints(report: BenchReport): string[] {
  const lines: string[] = [];
  for (const p of report.phases) {
    lines.push('', `${p.name}, calls by endpoint:`);
    const width = Math.max(...systemsOf(p.erp).map((s) => label[s].length));
    for (const s of systemsOf(p.erp)) {
      for (const [endpoint, n] of Object.entries(p.systems[s]!.callsByEndpoint).sort((a, b) => b[1] - a[1])) lines.push(`  ${label[s].padEnd(width)} ${String(n).padStart(5)}  ${endpoint}`);
    }
  }
  return lines;
}

function memoryAtEnd(report: BenchReport): string {
  const parts = [
    ...(report.heapUsedMb === null ? [] : [`live JS heap ${fixed(report.heapUsedMb, 1)} MB`]),
    ...(report.databaseMemoryMb === null ? [] : [`database WebAssembly memory ${fixed(report.databaseMemoryMb, 1)} MB`]),
  ];
  return parts.length ? ` (at the end: ${parts.join(', ')})` : '';
}
