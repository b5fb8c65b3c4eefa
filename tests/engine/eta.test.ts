/**
 * ETAs against the measured finish: a first sync run as the worker runs it (handleLinkWork, its
 * progress and ETA written to the run row), over the Xero and BILL emulators answering every call
 * after a set latency. The ETA read from the row early in the run (its first one after the bills'
 * first page, when every listing's size is known) must put the finish within 25 % of the run's
 * measured duration, and within half of the time that was still left (the emulators share the
 * machine with other tests, whose load moves answer times after the ETA is made); and with BILL's
 * allowance lowered to a few seconds' worth of calls, the ETA must include waiting for the window
 * to reset, within the same bounds.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { handleLinkWork } from '../../src/server/worker/handler.ts';
import type { Eta } from '../../src/engine/eta.ts';
import { etaText } from '../../src/server/eta.ts';
import { Sandbox, control } from './sandbox-fixture.ts';

const latencyMs = 300;

interface Seen {
  eta: Eta;
  step: string;
}

/** Runs a first sync through the worker, watching its row; returns the first ETA taken once `ready` holds, and the finish. */
async function timedSync(sb: Sandbox, ready: (p: Record<string, unknown>) => boolean): Promise<{ first: Seen | null; finishedAt: number; runId: string; billCallsAfter: number }> {
  let first: Seen | null = null;
  let billCallsAtEta = 0;
  let done = false;
  const watch = (async () => {
    while (!done) {
      const { rows } = await sb.db.query<{ progress: Record<string, unknown> | null }>("select progress from runs where link = $1 and status = 'running'", [sb.link.name]);
      const p = rows[0]?.progress;
      if (!first && p?.eta && ready(p)) {
        first = { eta: p.eta as Eta, step: String(p.step) };
        billCallsAtEta = (await sb.stats()).bill.totalCalls;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const out = await handleLinkWork(sb.rt.deps, sb.db, { kind: 'sync', link: sb.link.name, reason: 'manual' }, { id: 'eta-test', retryCount: 0 });
  const finishedAt = Date.now();
  done = true;
  await watch;
  assert.ok('runId' in out && out.status === 'succeeded', `the sync succeeded (${JSON.stringify(out)})`);
  // BILL's calls after the ETA was read (a few already under way then may count on either side).
  const billCallsAfter = (await sb.stats()).bill.totalCalls - billCallsAtEta;
  return { first, finishedAt, runId: out.runId, billCallsAfter };
}

/** How far the ETA's finish is from the real one, as a share of the run's measured duration. */
function relativeError(eta: Eta, finishedAt: number): number {
  const took = finishedAt - new Date(eta.startAt).getTime();
  return Math.abs(new Date(eta.finishAt).getTime() - finishedAt) / took;
}

/** The same miss as a share of the time that was left when the ETA was made (the stricter reading, printed and bounded loosely). */
function errorOfLeft(eta: Eta, finishedAt: number): number {
  const left = finishedAt - new Date(eta.estimatedAt).getTime();
  return Math.abs(new Date(eta.finishAt).getTime() - finishedAt) / left;
}

forEachBackend('ETA of a running first sync at 300 ms a call', (backend) => {
  let sb: Sandbox;
  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 31, xero: { suppliers: 1500, bills: 1200 }, linkName: `eta-${backend.kind}` });
    for (const base of [sb.xero.urls.base, sb.bill.urls.base]) await control(base, 'POST', '/latency', { latencyMs });
  });
  after(async () => sb?.close());

  test('the ETA taken once the first pages are read lands within 25 % of the measured finish', async (t) => {
    const started = Date.now();
    const { first, finishedAt, runId } = await timedSync(sb, readBills);
    assert.ok(first, 'an ETA was written while the sync ran');
    const took = finishedAt - started;
    assert.ok(took > 3000, `the run took several seconds (${took} ms)`);
    const error = relativeError(first.eta, finishedAt);
    const ofLeft = errorOfLeft(first.eta, finishedAt);
    const text = etaText(first.eta, 'first sync', 'running');
    t.diagnostic(`run ${took} ms; ETA at ${first.eta.estimatedAt} said ${Math.round(first.eta.durationMs)} ms in all, ${Math.round(first.eta.remainingMs)} ms left; ${finishedAt - new Date(first.eta.estimatedAt).getTime()} ms were left: off by ${(error * 100).toFixed(1)} % of the run, ${(ofLeft * 100).toFixed(1)} % of the time left`);
    assert.ok(error <= 0.25, `ETA ${first.eta.finishAt} vs finish ${new Date(finishedAt).toISOString()}: off by ${(error * 100).toFixed(1)} % of the run (${text})`);
    assert.ok(ofLeft <= 0.5, `ETA ${first.eta.finishAt} vs finish ${new Date(finishedAt).toISOString()}: off by ${(ofLeft * 100).toFixed(1)} % of the time left (${text})`);
    assert.equal(first.eta.basis, 'this run');
    const bill = first.eta.shares.find((s) => s.system === 'bill' && s.window === 'hour');
    assert.ok(bill && bill.calls > 0 && bill.percent > 0, `the rest of the run's share of BILL's hour is given (${JSON.stringify(first.eta.shares)})`);
    assert.match(text, /^first sync ≈ \d+ s left \(until about \d\d:\d\d UTC\), [\d<]+ ?\d* % of this hour's BILL budget/);
    // The finished run keeps what it measured, for estimating the next one before it starts.
    const { rows } = await sb.db.query<{ stats: { calls: Record<string, number> } }>("select progress->'stats' as stats from runs where id = $1", [runId]);
    assert.ok((rows[0]?.stats.calls.bill ?? 0) > 0, 'the run row keeps its calls per system');
  });
});

forEachBackend('ETA of a first sync that outruns its BILL allowance', (backend) => {
  let sb: Sandbox;
  const windowMs = 4000;
  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 32, xero: { suppliers: 1500, bills: 1200 }, linkName: `eta-window-${backend.kind}` });
    for (const base of [sb.xero.urls.base, sb.bill.urls.base]) await control(base, 'POST', '/latency', { latencyMs });
    // A few seconds' worth of BILL calls per window, made to wait rather than refused, so the run
    // reaches the end of the window's allowance and must wait for its reset to go on.
    const limits = { windows: [{ name: 'hour', budget: 20, windowMs, onExhaust: 'wait' }] };
    await sb.db.query('update connections set config = config || $1::jsonb where id = $2', [JSON.stringify({ limits }), sb.link.billConnectionId]);
  });
  after(async () => sb?.close());

  test('the ETA includes the wait for the window to reset and lands within 25 %', async (t) => {
    // Start just after a window begins (windows are aligned to the clock): the run's 50 or so BILL
    // calls then end in their third window with room on either side, so a miss of a few calls in
    // the estimate cannot move the finish across a reset. Started anywhere, the same miss can put
    // the last calls in the next window, and the ETA a whole window off.
    await new Promise((r) => setTimeout(r, windowMs - (Date.now() % windowMs) + 50));
    const { first, finishedAt, billCallsAfter } = await timedSync(sb, (p) => readBills(p));
    assert.ok(first, 'an ETA was written while the sync ran');
    const text = etaText(first.eta, 'first sync', 'running');
    assert.ok(first.eta.waitsFor && first.eta.waitsFor.system === 'bill' && first.eta.waitsFor.window === 'hour', `the ETA waits for BILL's window (${text})`);
    assert.match(text, /waits for BILL's hour allowance to reset at \d\d:\d\d:\d\d UTC/);
    assert.ok(first.eta.remainingMs > windowMs - 1000, `the wait is counted in the time left (${first.eta.remainingMs} ms)`);
    const error = relativeError(first.eta, finishedAt);
    const ofLeft = errorOfLeft(first.eta, finishedAt);
    t.diagnostic(`ETA at ${first.eta.estimatedAt} said ${Math.round(first.eta.remainingMs)} ms left, ${finishedAt - new Date(first.eta.estimatedAt).getTime()} ms were: off by ${(error * 100).toFixed(1)} % of the run, ${(ofLeft * 100).toFixed(1)} % of the time left; calls left ${JSON.stringify(first.eta.callsLeft)} (BILL made ${billCallsAfter}), assumed ${JSON.stringify(first.eta.assumed)}; step ${first.step}`);
    assert.ok(error <= 0.25, `ETA ${first.eta.finishAt} vs finish ${new Date(finishedAt).toISOString()}: off by ${(error * 100).toFixed(1)} % of the run (${text})`);
    assert.ok(ofLeft <= 0.5, `ETA ${first.eta.finishAt} vs finish ${new Date(finishedAt).toISOString()}: off by ${(ofLeft * 100).toFixed(1)} % of the time left (${text})`);
  });
});

/** Whether the bills' listing has been read (its total known) by the time of this progress. */
function readBills(p: Record<string, unknown>): boolean {
  const eta = p.eta as Eta | undefined;
  return !!eta && !eta.assumed.some((a) => a.startsWith('bills not read yet'));
}

