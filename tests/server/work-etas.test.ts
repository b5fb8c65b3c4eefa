/**
 * ETAs of queued work, as the API (GET /api/work) and the dashboard's activity give them: work on
 * one BILL organisation runs one job at a time, so a sync queued behind a running one is expected
 * to start when that one ends and to take as long as the link's previous sync; a job parked until
 * a window resets starts at its own time; an interactive job goes before older ordinary ones.
 * Judged against the measured finish of the queued sync, over the emulators at 2 s a call.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { control, type Json } from '../engine/sandbox-fixture.ts';
import { linkWorkJob, linkWorkKey, linkWorkPriority, type LinkWork } from '../../src/server/contract.ts';
import { currentActivity } from '../../src/server/dashboard/work.ts';
import { ServerSandbox } from './server-fixture.ts';

forEachBackend('ETAs of queued work', (b) => {
  let s: ServerSandbox;
  before(async () => {
    s = await ServerSandbox.open(b, { seed: 44, xero: { suppliers: 60, bills: 120 } });
  });
  after(async () => s?.close());

  const state = async (id: string) => (await s.server.services.queue.boss.getJobById<unknown>(linkWorkJob.name, id))?.state;
  const syncNow = async (): Promise<string> => {
    const res = await s.call('POST', '/api/links/main/sync');
    assert.equal(res.status, 202);
    return res.body.jobId as string;
  };

  test('a sync queued behind a running one: starts when it ends, done within 25 % of the measured finish', async (t) => {
    // The first sync, then a delta sync: the link's previous sync is one like the ones queued next.
    // A delta with nothing new reads every listing at once, one round trip: slow answers make it
    // last long enough that a worker's pick-up (half a second's polling) is a small part of it.
    assert.equal((await s.waitForJob(await syncNow(), 120_000)).state, 'completed');
    for (const base of [s.sandbox.xero.urls.base, s.sandbox.bill.urls.base]) await control(base, 'POST', '/latency', { latencyMs: 2000 });
    assert.equal((await s.waitForJob(await syncNow(), 120_000)).state, 'completed');
    const { rows } = await s.sandbox.db.query<{ ms: number }>("select (progress->'stats'->>'durationMs')::int as ms from runs where link = 'main' and kind = 'sync' order by finished_at desc limit 1");
    const previousMs = rows[0]!.ms;
    assert.ok(previousMs > 2000, `the previous sync's duration is kept with it (${previousMs} ms)`);

    const running = await syncNow();
    for (const deadline = Date.now() + 10_000; (await state(running)) !== 'active'; await new Promise((r) => setTimeout(r, 20))) assert.ok(Date.now() < deadline, 'the sync started');
    const queued = await syncNow();
    assert.notEqual(queued, running, 'a running job is not the same work waiting: the second is queued');
    // A poll parked until a window resets, a minute from now, on the same organisation.
    const key = await linkWorkKey(s.sandbox.db, s.sandbox.link);
    const parkedUntil = new Date(Date.now() + 60_000);
    const poll: LinkWork = { kind: 'sync', link: 'main', reason: 'poll' };
    const parked = await s.server.services.queue.send(linkWorkJob, poll, { singletonKey: key, startAfter: parkedUntil, priority: linkWorkPriority(poll) });
    assert.ok(parked);

    const work = await s.call('GET', '/api/work?link=main');
    assert.equal(work.status, 200, JSON.stringify(work.body));
    const items = work.body.items as Json[];
    assert.deepEqual(items.map((w) => [w.state, w.runId ? 'run' : w.jobId]), [['running', 'run'], ['queued', queued], ['queued', parked]], JSON.stringify(items));
    const [ahead, next, later] = items as [Json, Json, Json];
    const aheadEnds = Date.parse(ahead.eta.finishAt);
    assert.ok(Math.abs(Date.parse(next.eta.startAt) - aheadEnds) <= 1000, `the queued sync starts when the running one is expected to end (${next.eta.startAt} vs ${ahead.eta.finishAt})`);
    assert.equal(next.eta.basis, 'previous run');
    assert.equal(next.eta.durationMs, previousMs, "it takes as long as the link's previous sync");
    assert.match(next.text, /^sync ≈ \d+ s once started \(starts about \d\d:\d\d UTC, done about \d\d:\d\d UTC\)/);
    assert.equal(Date.parse(later.eta.startAt), parkedUntil.getTime(), 'the parked poll starts at its own time, after the queued sync');
    assert.ok(Date.parse(later.eta.startAt) >= Date.parse(next.eta.finishAt));

    // The dashboard's activity carries the same ETAs (the signature stays without them).
    const activity = await currentActivity(s.server.services);
    assert.equal(activity.waiting.find((w) => w.jobId === queued)?.eta, next.text);
    assert.ok(activity.running.find((r) => r.link === 'main')?.eta, 'the running sync has its ETA on the dashboard');

    const done = await s.waitForJob(queued, 120_000);
    assert.equal(done.state, 'completed', JSON.stringify(done.output));
    const finishedAt = Date.parse(done.completedOn);
    const estimatedAt = Date.parse(next.eta.estimatedAt);
    const error = Math.abs(Date.parse(next.eta.finishAt) - finishedAt) / (finishedAt - estimatedAt);
    t.diagnostic(`queued sync: ETA said done ${Date.parse(next.eta.finishAt) - estimatedAt} ms after it was made, it was done after ${finishedAt - estimatedAt} ms: off by ${(error * 100).toFixed(1)} %`);
    assert.ok(error <= 0.25, `the queued sync's ETA ${next.eta.finishAt} vs its finish ${done.completedOn}: off by ${(error * 100).toFixed(1)} %`);
    await s.server.services.queue.boss.cancel(linkWorkJob.name, parked);
  });

  test('an interactive job queued later is expected before an older ordinary one', async () => {
    const key = await linkWorkKey(s.sandbox.db, s.sandbox.link);
    const later = new Date(Date.now() + 60_000);
    const poll: LinkWork = { kind: 'sync', link: 'main', reason: 'poll' };
    const payments: LinkWork = { kind: 'sync', link: 'main', reason: 'poll', steps: ['payment'] };
    // Both wait a minute (no worker takes them during the test), the poll queued first.
    const first = await s.server.services.queue.send(linkWorkJob, poll, { singletonKey: key, startAfter: later, priority: linkWorkPriority(poll) });
    const second = await s.server.services.queue.send(linkWorkJob, payments, { singletonKey: key, startAfter: later, priority: linkWorkPriority(payments) });
    try {
      const items = (await s.call('GET', '/api/work?link=main')).body.items as Json[];
      assert.deepEqual(items.map((w) => w.jobId), [second, first], 'the payments step goes first, the poll after it');
      assert.ok(Date.parse(items[1]!.eta.startAt) >= Date.parse(items[0]!.eta.finishAt));
    } finally {
      for (const id of [first, second]) if (id) await s.server.services.queue.boss.cancel(linkWorkJob.name, id);
    }
  });
});
