import type { StatsSnapshot } from '../emulators/kit/stats.ts';
import type { RunResult } from '../engine/sync.ts';
import type { EmulatorProcess } from './emulator-process.ts';
import { dependencyFloor, type DependencyFloor } from './dependency-floor.ts';
import { publishedLimits, runFloor, systemFloor, type SystemFloor } from './floor.ts';
import type { ErpName, SystemLatency, SystemName } from './latency.ts';

export type { SystemName } from './latency.ts';

export interface SystemFigures {
  calls: number;
  callsPerRecord: number;
  /** The most requests the emulator saw in flight at once for one tenant / organisation. */
  maxInFlight: number;
  /** Requests the emulator refused for a limit (should be 0: the client keeps under them). */
  rejections: number;
  /** Requests the emulator delayed for a limit instead of refusing them (Acumatica past half its per-minute allowance). */
  slowed: number;
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
  /** The run's ERP and BILL. */
  erp: ErpName;
  systems: Partial<Record<SystemName, SystemFigures>>;
  /** The limits floor: the largest system floor. */
  floorMs: number;
  dependency: DependencyFloor;
  /** measured / max(limits floor, dependency floor). */
  ratio: number;
  /** CPU time of the syncing process during the run. */
  clientCpuMs: number;
  /** CPU time of each emulator's process during the run (null where it cannot be read). */
  emulatorCpuMs: Partial<Record<SystemName, number | null>>;
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
  const runSystems = emulators.systems;
  const perSystem = async <T>(fn: (s: SystemName) => T | Promise<T>): Promise<Partial<Record<SystemName, T>>> =>
    Object.fromEntries(await Promise.all(runSystems.map(async (s) => [s, await fn(s)] as const)));
  await emulators.resetStats();
  const itemMsBefore = await perSystem((s) => emulators.itemLatencyHeldMs(s));
  const emulatorCpuBefore = await perSystem((s) => emulators.cpuMs(s));
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await run();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  const emulatorCpuMs = await perSystem((s): number | null => {
    const before = emulatorCpuBefore[s] ?? null;
    const after = emulators.cpuMs(s);
    return before !== null && after !== null ? after - before : null;
  });
  const records = result.counts[recordKind] ?? 0;
  const systems = await perSystem(async (s) => {
    const [stats, itemMsAfter] = await Promise.all([emulators.stats(s), emulators.itemLatencyHeldMs(s)]);
    return figures(stats, records, latency[s].baseMs, itemMsAfter - (itemMsBefore[s] ?? 0), s);
  });
  const each = runSystems.map((s) => systems[s]!);
  const floorMs = runFloor(each.map((f) => f.floor));
  const dependency = dependencyFloor(name, Object.fromEntries(runSystems.map((s) => [s, systems[s]!.callsByEndpoint])), latency, emulators.erp);
  const largerFloorMs = Math.max(floorMs, dependency.floorMs);
  const served = runSystems.map((s) => (emulatorCpuMs[s] == null ? null : Math.max(systems[s]!.floor.floorMs, emulatorCpuMs[s]!)));
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
    erp: emulators.erp,
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

/** What the emulators count as a rejection but let through late (Acumatica's licence slows, it does not refuse). */
const slowedReasons = /\.slowed$/;

function figures(stats: StatsSnapshot, records: number, latencyMs: number, itemMs: number, system: SystemName): SystemFigures {
  // Only API calls count; the token and identity endpoints sit outside the tenant's limits.
  const api = Object.entries(stats.callsByEndpoint).filter(([endpoint]) => !/ \/(identity|connect\/token|connect\/revocation|connections)/.test(endpoint));
  const calls = api.reduce((n, [, c]) => n + c, 0);
  return {
    calls,
    callsPerRecord: records > 0 ? calls / records : 0,
    maxInFlight: Math.max(0, ...Object.values(stats.maxInFlight)),
    rejections: Object.entries(stats.rejections).filter(([why]) => !slowedReasons.test(why)).reduce((a, [, n]) => a + n, 0),
    slowed: Object.entries(stats.rejections).filter(([why]) => slowedReasons.test(why)).reduce((a, [, n]) => a + n, 0),
    limitViolations: stats.limitViolations,
    callsByEndpoint: Object.fromEntries(api),
    itemLatencyMs: itemMs,
    floor: systemFloor(calls, latencyMs, publishedLimits[system], itemMs),
  };
}
