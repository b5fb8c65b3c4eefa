import type { ScaleReport } from './scale-run.ts';

const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const latency = (l: { baseMs: number; perItemMs: number }) => `${l.baseMs} ms${l.perItemMs ? ` (+${l.perItemMs} ms per item)` : ''}`;

/** The done-when of the many-organisations run, each as a yes/no with its figure. */
export function scaleChecks(r: ScaleReport): { what: string; ok: boolean; figure: string }[] {
  const f = r.figures;
  return [
    { what: "the key's hourly limit is never exceeded (BILL emulator, all firms)", ok: f.windowsOverLimit === 0, figure: `${f.windowsOverLimit} of ${f.windows.length} windows over, ${f.refused} refused` },
    { what: 'no firm waits more than twice its fair share', ok: f.worstWaitRatio !== null && f.worstWaitRatio <= 2, figure: f.worstWaitRatio === null ? 'a first sync did not finish' : `worst ${f.worstWaitRatio.toFixed(2)}×` },
    { what: "a payment made during the others' first syncs reaches Xero within 30 s", ok: r.payment.latencyMs !== null && r.payment.latencyMs <= 30_000, figure: r.payment.latencyMs === null ? (r.payment.note ?? 'not reached') : s1(r.payment.latencyMs) },
  ];
}

/** Whether the run itself failed: a first sync that did not complete. (A check answered "no" is a finding, not a failure.) */
export const scaleFailed = (r: ScaleReport): boolean => r.figures.orgs.some((o) => o.state !== 'completed');

export function formatScaleReport(r: ScaleReport): string[] {
  const o = r.options;
  const f = r.figures;
  const lines = [
    `Many organisations on one BILL developer key: ${o.orgs} firms (${o.bills} Xero bills, ${o.suppliers} suppliers each), ${o.workers} worker processes × ${o.workerConcurrency} jobs on PostgreSQL`,
    `BILL allowance ${o.billHourly} calls per compressed hour of ${s1(o.billHourMs)} for the devKey (all firms); connector budget ${o.budget} per window`,
    `latency: Xero ${latency(o.latency.xero)}, BILL ${latency(o.latency.bill)}`,
    '',
    `setup ${s1(r.setupMs)}; one firm's first sync alone: ${s1(r.soloMs)}`,
    `${f.orgs.length} first syncs queued at once: the last ended after ${s1(r.totalMs)} (${(r.totalMs / o.billHourMs).toFixed(1)} compressed hours)`,
    `key's calls per compressed hour (BILL emulator): peak ${f.peakTaken} of ${o.billHourly} (${pct(f.peakShareOfLimit)}); windows over the limit ${f.windowsOverLimit} of ${f.windows.length}; refused ${f.refused}`,
    '  window   sent  admitted  refused  firms',
    ...f.windows.map((w, i) => `  ${String(i + 1).padStart(6)} ${String(w.attempted).padStart(6)} ${String(w.taken).padStart(9)} ${String(w.refused).padStart(8)} ${String(w.organizations).padStart(6)}`),
    `per firm (fair share ${pct(f.orgs[0]?.fairShare ?? 0)} of the calls; fair wait: its calls at an even split of the budget, at least one first sync alone):`,
    '  link        state      calls  share   runs  at limit   started   finished      fair    ratio',
    ...f.orgs.map((x) => `  ${x.link.padEnd(10)} ${x.state.padEnd(10)} ${String(x.calls).padStart(5)} ${pct(x.share).padStart(7)} ${String(x.runs).padStart(5)} ${String(x.stoppedAtLimit).padStart(9)} ${(x.startedMs === null ? '-' : s1(x.startedMs)).padStart(9)} ${(x.waitMs === null ? '-' : s1(x.waitMs)).padStart(10)} ${s1(x.fairWaitMs).padStart(9)} ${(x.waitRatio === null ? '-' : `${x.waitRatio.toFixed(2)}×`).padStart(8)}`),
    r.payment.madeAtMs === null
      ? `payment: not made (${r.payment.note ?? 'unknown'})`
      : `payment in ${r.payment.link}'s BILL at ${s1(r.payment.madeAtMs)} (the window had ${r.payment.windowTakenAtPayment} calls; ${r.payment.firstSyncsRunning} first syncs running): ${r.payment.latencyMs === null ? (r.payment.note ?? 'not reached') : `in Xero after ${s1(r.payment.latencyMs)}`}`,
    `refusals: BILL ${JSON.stringify(r.billRejections)}, Xero ${JSON.stringify(r.xeroRejections)}; limit violations ${r.limitViolations}`,
    '',
    'done when:',
    ...scaleChecks(r).map((c) => `  ${c.ok ? 'yes' : 'NO '}  ${c.what}: ${c.figure}`),
  ];
  return lines;
}
