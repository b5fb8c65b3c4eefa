import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AllowanceWindow } from '../../src/emulators/bill/limits.ts';
import { callsByOrganization, fairFinishMs, scaleFigures, windowsBetween, type OrgRun } from '../../src/bench/scale-report.ts';

/** The many-organisations bench's arithmetic: the key's use per window, each firm's share, and waits against the fair share. */

const win = (startMs: number, taken: number, refused: number, byOrganization: Record<string, number>): AllowanceWindow => ({ startMs, endMs: startMs + 1000, limit: 10, taken, refused, byOrganization });

test('fair finish: equal demands all end when the whole work is done; a smaller one ends first and hands its share on', () => {
  // 10 calls per 1000 ms: 0.01 per ms.
  assert.deepEqual(fairFinishMs([10, 10], 10, 1000), [2000, 2000]);
  // Two active: 5 calls each take 1000 ms for the small one; the big one's other 10 then run alone: 1000 ms more.
  assert.deepEqual(fairFinishMs([15, 5], 10, 1000), [2000, 1000]);
  assert.deepEqual(fairFinishMs([0, 4], 10, 1000), [0, 400]);
  assert.throws(() => fairFinishMs([1], 0, 1000), /budget and the window must be positive/);
});

test('windows and calls per organisation are those overlapping the run', () => {
  const windows = [win(0, 10, 0, { a: 10 }), win(1000, 10, 3, { a: 4, b: 6 }), win(2000, 2, 0, { b: 2 })];
  assert.deepEqual(windowsBetween(windows, 1500, 2500).map((w) => [w.startMs, w.attempted, w.organizations]), [[1000, 13, 2], [2000, 2, 1]]);
  assert.deepEqual(Object.fromEntries(callsByOrganization(windows, 1000, 2999)), { a: 4, b: 8 });
  assert.deepEqual(Object.fromEntries(callsByOrganization(windows, 3000, 4000)), {});
});

test('figures: shares, waits against the fair wait (at least one firm alone), the worst ratio and windows over the limit', () => {
  const orgs: OrgRun[] = [
    { link: 'a', billOrgId: 'A', queuedMs: 0, startedMs: 10, finishedMs: 1500, state: 'completed', calls: 10, runs: 1, stoppedAtLimit: 0 },
    { link: 'b', billOrgId: 'B', queuedMs: 0, startedMs: 20, finishedMs: 4000, state: 'completed', calls: 10, runs: 1, stoppedAtLimit: 0 },
  ];
  const windows = windowsBetween([win(0, 10, 0, { A: 5, B: 5 }), win(1000, 10, 2, { A: 5, B: 5 })], 0, 4000);
  const f = scaleFigures({ orgs, windows, budget: 10, windowMs: 1000, soloMs: 500 });
  assert.deepEqual(f.orgs.map((o) => [o.share, o.fairShare, o.waitMs, o.fairWaitMs, o.waitRatio]), [[0.5, 0.5, 1500, 2000, 0.75], [0.5, 0.5, 4000, 2000, 2]]);
  assert.equal(f.worstWaitRatio, 2);
  assert.equal(f.windowsOverLimit, 1, 'the second window was sent 12 calls against a limit of 10');
  assert.equal(f.refused, 2);
  assert.deepEqual([f.peakTaken, f.peakShareOfLimit], [10, 1]);

  // An uncontended first sync is the least any firm can wait: a small budget share never makes the fair wait shorter than that.
  const alone = scaleFigures({ orgs: [{ ...orgs[0]!, calls: 1 }], windows, budget: 10, windowMs: 1000, soloMs: 900 });
  assert.equal(alone.orgs[0]!.fairWaitMs, 900);
  const unfinished = scaleFigures({ orgs: [orgs[0]!, { ...orgs[1]!, finishedMs: null, state: 'unfinished' }], windows, budget: 10, windowMs: 1000, soloMs: 500 });
  assert.equal(unfinished.worstWaitRatio, null, 'a firm that did not finish leaves no worst ratio to claim');
});
