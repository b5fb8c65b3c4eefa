import type { StatsSnapshot } from '../emulators/kit/stats.ts';
import type { RunResult } from '../engine/sync.ts';
import type { EmulatorProcess } from './emulator-process.ts';
import { dependencyFloor, type DependencyFloor } from './dependency-floor.ts';
import { publishedLimits, runFloor, systemFloor, type SystemFloor } from './floor.ts';
import type { SystemLatency, SystemName } from './latency.ts';

export type { SystemName } from './latency.ts';

export interface SystemFigures {
  calls: number;
  callsPerRecord: number;
  /** The most requests the emulator saw in flight at once for one tenant / organisation. */
  maxInFlight: number;
  /** Requests the emulator refused for a limit (should be 0: the client keeps under them). */
  rejections: number;
  /** Requests the emulator let through although a limit should have stopped them. */
  limitViolations: number;
  callsByEndpoint: Record<string, number>;
  /** Per-item latency the emulator held in this run for bulk and batch calls; part of the concurrency floor. */
  itemLatencyMs: number;
  floor: SystemFloor;
}

export interface PhaseFigures {
  name: string;
  status: RunResult['status'];
  error: RunResult['error'];
  ms: number;
  /** What a record is in this phase (bills created in BILL, payments posted to Xero). */
  recordKind: string;
  records: number;
  recordsPerSecond: number;
  counts: RunResult['counts'];
  systems: Record<SystemName, SystemFigures>;
  /** The limits floor: the largest system floor. */
  floorMs: number;
  dependency: DependencyFloor;
  /** measured / max(limits floor, dependency floor). */
  ratio: number;
  /** CPU time of the syncing process during the run. */
  clientCpuMs: number;
  /** CPU time of each emulator's process during the run (null where it cannot be read). */
  emulatorCpuMs: Record<SystemName, number | null>;
  /** The floor raised, per system, to that emulator's CPU time; then the largest of the two systems and the dependency floor. */
  servedFloorMs: number | null;
  /** measured / servedFloorMs: how full the pipe was kept given what the emulators could serve. */
  ratioToServed: number | null;
}

/**
 * Times one engine run against the emulators: stats are reset first, so the calls, in-flight
 * maxima and rejections are this run's alone.
 */
export async function measurePhase(
  emulators: EmulatorProcess,
  name: string,
  recordKind: string,
  latency: Record<SystemName, SystemLatency>,
  run: () => Promise<RunResult>,
): Promise<PhaseFigures> {
  await emulators.resetStats();
  const itemMsBefore = { xero: await emulators.itemLatencyHeldMs('xero'), bill: await emulators.itemLatencyHeldMs('bill') };
  const emulatorCpuBefore = { xero: emulators.cpuMs('xero'), bill: emulators.cpuMs('bill') };
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await run();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSpent = (system: SystemName): number | null => {
    const before = emulatorCpuBefore[system];
    const after = emulators.cpuMs(system);
    return before !== null && after !== null ? after - before : null;
  };
  const emulatorCpuMs = { xero: cpuSpent('xero'), bill: cpuSpent('bill') };
  const [xero, bill] = await Promise.all([emulators.stats('xero'), emulators.stats('bill')]);
  const itemMs = { xero: (await emulators.itemLatencyHeldMs('xero')) - itemMsBefore.xero, bill: (await emulators.itemLatencyHeldMs('bill')) - itemMsBefore.bill };
  const records = result.counts[recordKind] ?? 0;
  const systems = { xero: figures(xero, records, latency.xero.baseMs, itemMs.xero, 'xero'), bill: figures(bill, records, latency.bill.baseMs, itemMs.bill, 'bill') };
  const floorMs = runFloor([systems.xero.floor, systems.bill.floor]);
  const dependency = dependencyFloor(name, { xero: systems.xero.callsByEndpoint, bill: systems.bill.callsByEndpoint }, latency);
  const largerFloorMs = Math.max(floorMs, dependency.floorMs);
  const served = (['xero', 'bill'] as const).map((s) => (emulatorCpuMs[s] === null ? null : Math.max(systems[s].floor.floorMs, emulatorCpuMs[s]!)));
  const servedFloorMs = served.every((x) => x !== null) ? Math.max(dependency.floorMs, ...(served as number[])) : null;
  return {
    name,
    status: result.status,
    error: result.error,
    ms,
    recordKind,
    records,
    recordsPerSecond: ms > 0 ? (records * 1000) / ms : 0,
    counts: result.counts,
    systems,
    floorMs,
    dependency,
    ratio: largerFloorMs > 0 ? ms / largerFloorMs : 0,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
    emulatorCpuMs,
    servedFloorMs,
    ratioToServed: servedFloorMs === null || servedFloorMs === 0 ? null : ms / servedFloorMs,
  };
}

function figures(stats: StatsSnapshot, records: number, latencyMs: number, itemMs: number, system: SystemName): SystemFigures {
  // Only API calls count; the token and identity endpoints sit outside the tenant's limits.
  const api = Object.entries(stats.callsByEndpoint).filter(([endpoint]) => !/ \/(identity|connect\/token|connect\/revocation|connections)/.test(endpoint));
  const calls = api.reduce((n, [, c]) => n + c, 0);
  return {
    calls,
    callsPerRecord: records > 0 ? calls / records : 0,
    maxInFlight: Math.max(0, ...Object.values(stats.maxInFlight)),
    rejections: Object.values(stats.rejections).reduce((a, b) => a + b, 0),
    limitViolations: stats.limitViolations,
    callsByEndpoint: Object.fromEntries(api),
    itemLatencyMs: itemMs,
    floor: systemFloor(calls, latencyMs, publishedLimits[system], itemMs),
  };
}
