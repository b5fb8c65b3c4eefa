import type { LimitsSpec, WindowLimitSpec } from '../http/limits-spec.ts';

/**
 * When a sync will finish, from what is known of it: for a running one, what each step has read and
 * written so far, the pages left where the source gave a total, and the calls per record and the
 * answer times measured in this run; for a queued one, the link's previous run of the same kind.
 * Calls are turned into time by the pace of this run (wall time per call so far, which carries the
 * order the data forces and the overlap the engine reached), never faster than each system's
 * concurrency and latency allow, and waiting for a window to reset where its allowance runs out.
 * Pure: the numbers come in, no I/O; systems are ids here, their display names are the caller's.
 */

/** What one step of a running sync has done so far (eta-tracker.ts gathers it). */
export interface StepObservation {
  entity: string;
  /** Steps that must finish before this one starts (the pair's graph). */
  dependsOn: readonly string[];
  /** The step starts beside its dependencies, reaching what it references as it is linked (pair.ts). */
  overlapsDependencies?: boolean;
  sourceSystem: string;
  targetSystem: string;
  readPages: number;
  /** Records read by the step's delta listing (invalid ones included). */
  readItems: number;
  /** Records the listing holds in all, where the source says (a page's `total`); null when unknown. */
  total: number | null;
  /** The listing has been read to its end. */
  readDone: boolean;
  /** Calls made reading the listing, and their answer time summed. */
  readCalls: number;
  readBusyMs: number;
  /** Records processed (planned and written, or skipped), as the step reports progress. */
  done: number;
  /** Records handed to the target's writer so far (creates, updates, archives, deletes). */
  sent: number;
  /** Calls made writing to the target, and their answer time summed. */
  writeCalls: number;
  writeBusyMs: number;
  /** Since the step's first write: wall time, and the part of it with one of its writes in flight. */
  writeSpanMs: number;
  writeActiveMs: number;
  /** The target writer's records per request and requests in flight, when known. */
  writeBatch: number | null;
  writeInFlight: number | null;
}

/** A system's calls so far in this run. */
export interface SystemCalls {
  calls: number;
  /** Answer time summed over calls. */
  busyMs: number;
  /** Start times (epoch ms) of this run's recent calls, for the windows no shared count covers. */
  recentStarts: readonly number[];
}

export interface RunObservation {
  startedAt: number;
  now: number;
  /** Wall time with at least one of the run's calls in flight. */
  activeMs: number;
  steps: readonly StepObservation[];
  calls: Readonly<Record<string, SystemCalls>>;
}

/** How much of one window's allowance is used now (the shared call count, or this run's own calls). */
export interface WindowUsage {
  window: string;
  used: number;
  budget: number;
  resetsAt: Date;
}

/** A system's limits and where its windows stand. Usage absent for a window: counted from this run's calls. */
export interface SystemAllowance {
  system: string;
  limits: LimitsSpec;
  usage: readonly WindowUsage[];
}

/** What a finished run measured, kept with it so the next run of its kind can be estimated before it starts. */
export interface RunStats {
  durationMs: number;
  calls: Record<string, number>;
  steps: Record<string, { read: number; done: number; sent?: number; readCalls: number; writeCalls: number }>;
}

export interface AllowanceShare {
  system: string;
  window: string;
  /** Calls the rest of the run is expected to make on this system. */
  calls: number;
  budget: number;
  /** calls / budget, in percent, one decimal. */
  percent: number;
}

export interface Eta {
  basis: 'this run' | 'previous run' | 'default';
  estimatedAt: string;
  /** When the work is expected to start (a queued run) or started (a running one). */
  startAt: string;
  finishAt: string;
  /** From now to the finish. */
  remainingMs: number;
  /** From start to finish. */
  durationMs: number;
  callsLeft: Record<string, number>;
  /** The share of each app-wide allowance (a developer key's hour, say) the rest of the run takes. */
  shares: AllowanceShare[];
  /** The window whose reset the run waits for, if any: the latest one. */
  waitsFor: { system: string; window: string; until: string } | null;
  /** What was assumed for lack of data, in words. */
  assumed: string[];
}

/** A queued run's duration when the link has no finished run of its kind to go by. */
export const defaultQueuedMs = 60_000;

const apiWindows = (limits: LimitsSpec): WindowLimitSpec[] => limits.windows.filter((w) => w.group === 'api');

/** A window's usage now: the shared count if given, else this run's own calls inside it. */
export function windowUsage(w: WindowLimitSpec, given: readonly WindowUsage[], starts: readonly number[], now: number): WindowUsage {
  const shared = given.find((u) => u.window === w.name);
  if (shared) return shared;
  if (w.alignment === 'clock') {
    const windowStart = Math.floor(now / w.windowMs) * w.windowMs;
    return { window: w.name, used: starts.filter((t) => t >= windowStart).length, budget: w.budget, resetsAt: new Date(windowStart + w.windowMs) };
  }
  const inWindow = starts.filter((t) => t > now - w.windowMs);
  return { window: w.name, used: inWindow.length, budget: w.budget, resetsAt: new Date((inWindow[0] ?? now) + w.windowMs) };
}

/**
 * Where a window leaves `calls` more calls: with `used` already counted since `resetsAt − windowMs`,
 * call number n (0-based from there) starts no earlier than floor(n / budget) windows on. Gives when
 * the last window they need opens, the end of the calls made in it, and the share of the calls made
 * before it opens.
 */
function windowBound(u: WindowUsage, windowMs: number, calls: number, msPerCall: number, now: number): { endAt: number; opensAt: number; waits: boolean; doneBeforeShare: number } {
  if (calls <= 0 || u.budget <= 0) return { endAt: now, opensAt: now, waits: false, doneBeforeShare: 1 };
  const last = u.used + calls - 1;
  const windows = Math.floor(last / u.budget);
  const opensAt = u.resetsAt.getTime() + Math.max(0, windows - 1) * windowMs;
  if (windows === 0 || opensAt <= now) return { endAt: now + calls * msPerCall, opensAt: now, waits: false, doneBeforeShare: 1 };
  const inLast = last - windows * u.budget + 1;
  return { endAt: opensAt + inLast * msPerCall, opensAt, waits: true, doneBeforeShare: Math.max(0, Math.min(1, (calls - inLast) / calls)) };
}

interface Projection {
  now: number;
  startAt: number;
  callsLeft: Record<string, number>;
  /** The rest of the work without window waits, in ms from the start point. */
  workMs: number;
  /** Per system, the time one more call takes on average once calls go at its concurrency. */
  msPerCall: Record<string, number>;
  allowances: readonly SystemAllowance[];
  starts: Readonly<Record<string, readonly number[]>>;
}

function project(p: Projection, basis: Eta['basis'], assumed: string[], startedAt: number): Eta {
  const from = Math.max(p.now, p.startAt);
  let endAt = from + p.workMs;
  let waitsFor: Eta['waitsFor'] = null;
  const shares: AllowanceShare[] = [];
  for (const a of p.allowances) {
    const calls = p.callsLeft[a.system] ?? 0;
    for (const w of apiWindows(a.limits)) {
      const u = windowUsage(w, a.usage, p.starts[a.system] ?? [], p.now);
      if (w.scope === 'app') shares.push({ system: a.system, window: w.name, calls, budget: u.budget, percent: Math.round((calls / Math.max(1, u.budget)) * 1000) / 10 });
      const bound = windowBound(u, w.windowMs, calls, p.msPerCall[a.system] ?? 0, from);
      if (!bound.waits) continue;
      // The run goes at its own pace until the calls that fit before the last opening are made,
      // waits for it, and does the rest of its work after it.
      const waitedEnd = Math.max(bound.endAt, bound.opensAt + p.workMs * (1 - bound.doneBeforeShare));
      if (waitedEnd > endAt) {
        endAt = waitedEnd;
        waitsFor = { system: a.system, window: w.name, until: new Date(bound.opensAt).toISOString() };
      }
    }
  }
  const startAt = basis === 'this run' ? startedAt : from;
  return {
    basis,
    estimatedAt: new Date(p.now).toISOString(),
    startAt: new Date(startAt).toISOString(),
    finishAt: new Date(endAt).toISOString(),
    remainingMs: Math.max(0, endAt - p.now),
    durationMs: Math.max(0, endAt - startAt),
    callsLeft: p.callsLeft,
    shares,
    waitsFor,
    assumed,
  };
}

/**
 * Time this run has spent waiting for a window to free up, from its calls' start times: a call that
 * had to wait is the first of a clock window after a full one, or (rolling) one that started just as
 * the call `budget` places before it aged out; its wait is the gap before it, less an answer's time.
 */
export function pastWaitsMs(obs: RunObservation, allowances: readonly SystemAllowance[]): number {
  let total = 0;
  for (const a of allowances) {
    const c = obs.calls[a.system];
    if (!c || c.recentStarts.length < 2) continue;
    const starts = c.recentStarts;
    const latency = c.calls > 0 ? c.busyMs / c.calls : 0;
    const waited = new Set<number>();
    for (const w of apiWindows(a.limits)) {
      const slot = (t: number) => Math.floor(t / w.windowMs);
      let inSlot = 0;
      for (let j = 1; j < starts.length; j += 1) {
        if (w.alignment === 'clock') {
          inSlot = slot(starts[j - 1]!) === slot(starts[j - 2] ?? -Infinity) ? inSlot + 1 : 1;
          if (slot(starts[j]!) !== slot(starts[j - 1]!) && inSlot >= w.budget) waited.add(j);
        } else if (j >= w.budget && starts[j]! - starts[j - w.budget]! >= w.windowMs - 50) waited.add(j);
      }
    }
    for (const j of waited) total += Math.max(0, starts[j]! - starts[j - 1]! - latency);
  }
  return total;
}

const add = (m: Record<string, number>, k: string, n: number) => {
  m[k] = (m[k] ?? 0) + n;
};

/** The share of a step's time since its first write with one of its writes in flight (at least a quarter). */
const writeBusy = (s: StepObservation): number => Math.min(1, Math.max(0.25, s.writeActiveMs / s.writeSpanMs));

/** Whether a step has read its whole listing and handled every record of it. */
const finished = (s: StepObservation): boolean => s.readDone && s.done >= s.readItems;

/**
 * Each step's level in the run: 0 for one that runs now (no dependency left unfinished, or one that
 * overlaps its dependencies), else one more than the latest unfinished step it waits for.
 */
export function stepLevels(steps: readonly StepObservation[]): Map<string, number> {
  const byEntity = new Map(steps.map((s) => [s.entity, s]));
  const levels = new Map<string, number>();
  const levelOf = (s: StepObservation, seen: Set<string>): number => {
    const known = levels.get(s.entity);
    if (known !== undefined) return known;
    if (seen.has(s.entity)) return 0;
    seen.add(s.entity);
    let lv = 0;
    for (const d of s.dependsOn) {
      const dep = byEntity.get(d);
      if (!dep || finished(dep)) continue;
      const depLevel = levelOf(dep, seen);
      lv = Math.max(lv, s.overlapsDependencies ? depLevel : depLevel + 1);
    }
    levels.set(s.entity, lv);
    return lv;
  };
  for (const s of steps) levelOf(s, new Set());
  return levels;
}

/**
 * The ETA of a running sync from what it has done so far; `previous` fills in what this run has
 * not seen yet. Each step's rest takes the longer of its pages left (read one after another, as
 * the step runner does) and its writes left (at the writer's requests in flight, within the
 * target's concurrency), at the answer times measured for that step or its systems in this run;
 * steps overlap, so the rest is bounded by the busiest system's calls at its concurrency.
 */
export function estimateRunning(obs: RunObservation, allowances: readonly SystemAllowance[], previous: RunStats | null = null): Eta {
  const assumed: string[] = [];
  const callsLeft: Record<string, number> = {};
  const concurrency = new Map(allowances.map((a) => [a.system, Math.max(1, a.limits.concurrency.budget)]));
  const latency = (system: string) => {
    const c = obs.calls[system];
    if (c && c.calls > 0) return c.busyMs / c.calls;
    const all = Object.values(obs.calls).reduce((t, x) => ({ calls: t.calls + x.calls, busyMs: t.busyMs + x.busyMs }), { calls: 0, busyMs: 0 });
    return all.calls > 0 ? all.busyMs / all.calls : 0;
  };
  // Time the run spends on its own (planning, the database) per record handled, limit waits left out.
  const handled = obs.steps.reduce((n, s) => n + s.done, 0);
  const localMs = Math.max(0, obs.now - obs.startedAt - obs.activeMs - pastWaitsMs(obs, allowances));
  const localPerRecord = handled > 0 ? localMs / handled : 0;
  const stepMs = new Map<string, number>();
  const systemMs = new Map<number, Record<string, number>>();
  const level = stepLevels(obs.steps);
  // A step with no write of its own yet goes at the pace measured for the other writes to its target.
  const targetBusy = new Map<string, number>();
  for (const s of obs.steps) if (s.writeSpanMs > 0) targetBusy.set(s.targetSystem, Math.min(targetBusy.get(s.targetSystem) ?? 1, writeBusy(s)));
  let localLeftMs = 0;
  for (const s of obs.steps) {
    const before = previous?.steps[s.entity];
    let readLeft: number;
    if (s.readDone) readLeft = 0;
    else if (s.total !== null) readLeft = Math.max(0, s.total - s.readItems);
    else if (before && before.read > s.readItems) readLeft = before.read - s.readItems;
    else {
      readLeft = 0;
      assumed.push(s.readPages === 0 ? `${s.entity}s not read yet: counted as one page with nothing to write` : `${s.entity}s: no total known, counted as read`);
    }
    const pageSize = s.readPages > 0 ? Math.max(1, s.readItems / s.readPages) : before && before.readCalls > 0 ? Math.max(1, before.read / before.readCalls) : 1;
    // A listing with a total ends on its count; one without reads one more page to find its end.
    const pagesLeft = s.readDone ? 0 : readLeft > 0 ? Math.ceil(readLeft / pageSize) : s.readPages === 0 || s.total === null ? 1 : 0;
    const callsPerPage = s.readPages > 0 ? Math.max(1, s.readCalls / s.readPages) : 1;
    const readCalls = pagesLeft * callsPerPage;
    const toProcess = Math.max(0, s.readItems + readLeft - s.done);
    // The share of records that need a write (a first sync creates all; a later one skips the
    // unchanged) and the calls a written record takes, as seen so far in this step, else in the
    // previous run, else assumed: each record a create in the writer's batches.
    let share = 1;
    let perWrite = 1 / Math.max(1, s.writeBatch ?? 1);
    if (s.done > 0) share = Math.min(1, s.sent / s.done);
    else if (before && before.done > 0) share = Math.min(1, (before.sent ?? before.done) / before.done);
    if (s.sent > 0) perWrite = s.writeCalls / s.sent;
    else if (before && (before.sent ?? 0) > 0) perWrite = before.writeCalls / before.sent!;
    else if (toProcess > 0) assumed.push(`${s.entity}s: none written yet, each counted as a create in batches of ${s.writeBatch ?? 1}`);
    const writeCalls = Math.ceil(Math.max(0, (s.readItems + readLeft) * share - s.sent) * perWrite);
    add(callsLeft, s.sourceSystem, readCalls);
    add(callsLeft, s.targetSystem, writeCalls);
    const readLatency = s.readCalls > 0 ? s.readBusyMs / s.readCalls : latency(s.sourceSystem);
    const writeLatency = s.writeCalls > 0 ? s.writeBusyMs / s.writeCalls : latency(s.targetSystem);
    const inFlight = Math.min(s.writeInFlight ?? 1, concurrency.get(s.targetSystem) ?? 1);
    // Pages are read one after another; writes go out at the writer's requests in flight, in rounds
    // with the step's own work (planning, commits) between them: the share of the step's time so far
    // with a write in flight stretches the rest alike.
    const busy = s.writeSpanMs > 0 ? writeBusy(s) : (targetBusy.get(s.targetSystem) ?? 1);
    const writeMs = (Math.ceil(writeCalls / inFlight) * writeLatency) / busy;
    stepMs.set(s.entity, Math.max(readCalls * readLatency, writeMs));
    const lv = level.get(s.entity) ?? 0;
    if (!systemMs.has(lv)) systemMs.set(lv, {});
    add(systemMs.get(lv)!, s.sourceSystem, (readCalls * readLatency) / (concurrency.get(s.sourceSystem) ?? 1));
    add(systemMs.get(lv)!, s.targetSystem, (writeCalls * writeLatency) / (concurrency.get(s.targetSystem) ?? 1) / busy);
    localLeftMs += toProcess * localPerRecord;
  }
  for (const k of Object.keys(callsLeft)) callsLeft[k] = Math.ceil(callsLeft[k]!);
  // Steps of one level overlap (a step's records go as soon as what they reference exists) within
  // each system's concurrency: a level takes as long as its busiest system, or its slowest step on
  // its own. A step that waits for its dependencies to finish (payments back after the bills) is a
  // level of its own, after theirs. Plus the run's own time for the records still to handle.
  let workMs = localLeftMs;
  for (const lv of new Set(level.values())) {
    const steps = obs.steps.filter((s) => (level.get(s.entity) ?? 0) === lv).map((s) => stepMs.get(s.entity) ?? 0);
    workMs += Math.max(0, ...steps, ...Object.values(systemMs.get(lv) ?? {}));
  }
  const msPerCall: Record<string, number> = {};
  for (const system of Object.keys(callsLeft)) msPerCall[system] = latency(system) / (concurrency.get(system) ?? 1);
  const starts = Object.fromEntries(Object.entries(obs.calls).map(([k, c]) => [k, c.recentStarts]));
  return project({ now: obs.now, startAt: obs.startedAt, callsLeft, workMs, msPerCall, allowances, starts }, 'this run', assumed, obs.startedAt);
}

/** The ETA of a queued run: its link's previous run of the kind again (or the stated default), from `startAt`. */
export function estimateQueued(previous: RunStats | null, allowances: readonly SystemAllowance[], now: number, startAt = now): Eta {
  if (!previous) {
    return project({ now, startAt, callsLeft: {}, workMs: defaultQueuedMs, msPerCall: {}, allowances, starts: {} }, 'default',
      [`no earlier run of this kind on the link to go by: about ${defaultQueuedMs / 60_000} min assumed`], startAt);
  }
  const msPerCall = Object.fromEntries(Object.entries(previous.calls).map(([k, n]) => [k, n > 0 ? previous.durationMs / n : 0]));
  return project({ now, startAt, callsLeft: { ...previous.calls }, workMs: previous.durationMs, msPerCall, allowances, starts: {} }, 'previous run',
    ["as long as the link's previous run of this kind"], startAt);
}
