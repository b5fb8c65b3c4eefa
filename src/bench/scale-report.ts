import type { AllowanceWindow } from '../emulators/bill/limits.ts';

/**
 * The arithmetic of the many-organisations bench, kept pure so it is tested on its own: the key's
 * use per (compressed) hour as the BILL emulator counted it, each organisation's share of it, and
 * how long each waited against its fair share.
 */

/** One organisation's first sync in the contended run. */
export interface OrgRun {
  link: string;
  billOrgId: string;
  /** When its first sync was queued, started (its first run began) and ended, ms since the run began. */
  queuedMs: number;
  startedMs: number | null;
  finishedMs: number | null;
  /** The job's final state (completed, failed, …) or 'unfinished' at the deadline. */
  state: string;
  /** BILL requests of this organisation the emulator admitted during the run. */
  calls: number;
  /** Runs its first sync took, and how many of them stopped at a call allowance and were retried by the queue. */
  runs: number;
  stoppedAtLimit: number;
}

export interface WindowUse {
  startMs: number;
  limit: number;
  taken: number;
  refused: number;
  /** Requests sent in the window (taken + refused): more than the limit means the key's limit was exceeded. */
  attempted: number;
  organizations: number;
}

export interface OrgFigures extends OrgRun {
  /** Its share of the key's calls in the run, and the even share (1 / organisations). */
  share: number;
  fairShare: number;
  /** From queued to finished, ms (null when it did not finish). */
  waitMs: number | null;
  /** The time its calls take at a fair share of the budget (see fairFinishMs), at least one uncontended first sync. */
  fairWaitMs: number;
  /** waitMs / fairWaitMs (null when it did not finish). */
  waitRatio: number | null;
}

export interface ScaleFigures {
  windows: WindowUse[];
  /** Windows whose attempts passed the key's limit. */
  windowsOverLimit: number;
  peakTaken: number;
  peakShareOfLimit: number;
  refused: number;
  orgs: OrgFigures[];
  worstWaitRatio: number | null;
}

/** The windows that overlap [fromMs, toMs] (epoch ms), as counted by the emulator. */
export function windowsBetween(windows: readonly AllowanceWindow[], fromMs: number, toMs: number): WindowUse[] {
  return windows
    .filter((w) => w.endMs > fromMs && w.startMs <= toMs)
    .map((w) => ({ startMs: w.startMs, limit: w.limit, taken: w.taken, refused: w.refused, attempted: w.taken + w.refused, organizations: Object.keys(w.byOrganization).length }));
}

/** Each organisation's admitted calls over the windows that overlap [fromMs, toMs]. */
export function callsByOrganization(windows: readonly AllowanceWindow[], fromMs: number, toMs: number): Map<string, number> {
  const calls = new Map<string, number>();
  for (const w of windows) {
    if (w.endMs <= fromMs || w.startMs > toMs) continue;
    for (const [org, n] of Object.entries(w.byOrganization)) calls.set(org, (calls.get(org) ?? 0) + n);
  }
  return calls;
}

/**
 * When each organisation would finish if the key's budget were shared evenly among those still
 * working (processor sharing: every active organisation gets budget / windowMs / active calls per
 * ms; one that needs fewer calls finishes first and its share goes to the rest), all starting at 0.
 * `demands[i]` is organisation i's calls; the answer is in the same order, in ms.
 */
export function fairFinishMs(demands: readonly number[], budgetPerWindow: number, windowMs: number): number[] {
  if (budgetPerWindow <= 0 || windowMs <= 0) throw new RangeError('the budget and the window must be positive');
  const perMs = budgetPerWindow / windowMs;
  const order = demands.map((d, i) => ({ d: Math.max(0, d), i })).sort((a, b) => a.d - b.d);
  const finish = new Array<number>(demands.length).fill(0);
  let t = 0;
  let done = 0;
  let active = demands.length;
  for (const { d, i } of order) {
    t += ((d - done) * active) / perMs;
    done = d;
    active -= 1;
    finish[i] = t;
  }
  return finish;
}

/**
 * The run's figures. `soloMs` is one uncontended first sync of the same size (the bench's first
 * firm, synced alone before the others): no organisation can finish faster than that, so it is the
 * least fair wait; `budget` is the connector's per-window budget for the key.
 */
export function scaleFigures(input: { orgs: readonly OrgRun[]; windows: readonly WindowUse[]; budget: number; windowMs: number; soloMs: number }): ScaleFigures {
  const total = input.orgs.reduce((s, o) => s + o.calls, 0);
  const fair = fairFinishMs(input.orgs.map((o) => o.calls), input.budget, input.windowMs);
  const orgs = input.orgs.map((o, i): OrgFigures => {
    const waitMs = o.finishedMs === null ? null : o.finishedMs - o.queuedMs;
    const fairWaitMs = Math.max(fair[i]!, input.soloMs);
    return { ...o, share: total === 0 ? 0 : o.calls / total, fairShare: input.orgs.length === 0 ? 0 : 1 / input.orgs.length, waitMs, fairWaitMs, waitRatio: waitMs === null || fairWaitMs <= 0 ? null : waitMs / fairWaitMs };
  });
  const limit = input.windows[0]?.limit ?? 0;
  const peakTaken = Math.max(0, ...input.windows.map((w) => w.taken));
  const ratios = orgs.map((o) => o.waitRatio);
  return {
    windows: [...input.windows],
    windowsOverLimit: input.windows.filter((w) => w.attempted > w.limit).length,
    peakTaken,
    peakShareOfLimit: limit === 0 ? 0 : peakTaken / limit,
    refused: input.windows.reduce((s, w) => s + w.refused, 0),
    orgs,
    worstWaitRatio: ratios.includes(null) ? null : Math.max(0, ...(ratios as number[])),
  };
}
