/**
 * A first sync that runs out of BILL's hourly allowance is parked, not refused: the worker queues
 * the same work again to start once the window resets, and the queued job resumes from the
 * committed cursors until the sync is done. The hour is shortened for the test through the
 * connection's limits override (the same knob as a licence's own limits), and the outcome is judged
 * by the emulators' state: every eligible Xero bill once in BILL, no call refused by BILL.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { accpay, billFor, eligible } from '../engine/ledger-views.ts';
import type { Json } from '../engine/sandbox-fixture.ts';
import { linkWorkJob } from '../../src/server/contract.ts';
import { ServerSandbox } from './server-fixture.ts';

/** Short enough for a test, long enough that a run re-reading what it needs still gets on. */
const windowMs = 5_000;
const budget = 10;

forEachBackend('a sync parked at a used-up hourly allowance', (b) => {
  let s: ServerSandbox;
  before(async () => {
    s = await ServerSandbox.open(b, { seed: 41, xero: { suppliers: 150, bills: 300 } });
    const limits = { windows: [{ name: 'hour', published: budget + 2, budget, windowMs, onExhaust: 'park' }] };
    await b.db.query('update connections set config = config || $1::jsonb where id = $2', [JSON.stringify({ limits }), s.sandbox.link.billConnectionId]);
  });
  after(async () => s?.close());

  test('resumes when the window resets until every bill is in BILL, none twice and none refused', async (t) => {
    // Start just after a window begins (clock-aligned to the epoch), so the first run cannot
    // straddle two windows and finish on the allowance of both.
    await new Promise((r) => setTimeout(r, windowMs - (Date.now() % windowMs) + 50));
    const queued = await s.call('POST', '/api/links/main/sync');
    assert.equal(queued.status, 202);
    const first = await s.waitForJob(queued.body.jobId as string);
    assert.equal(first.state, 'completed', JSON.stringify(first.output));
    assert.ok(typeof first.output.parkedUntil === 'string', `the first run was parked (${JSON.stringify(first.output)})`);
    const parkedUntil = Date.parse(first.output.parkedUntil);
    assert.ok(parkedUntil > Date.parse(first.completedOn) && parkedUntil <= Date.parse(first.completedOn) + windowMs + 2_000, `parked until the window resets (${first.output.parkedUntil})`);

    // Follow the parked work through its resumptions until a run finishes the sync.
    const runs: Json[] = [first.output];
    const deadline = Date.now() + 90_000;
    for (let last = first.output; last.parkedUntil; ) {
      assert.ok(Date.now() < deadline, `still parked after ${runs.length} runs`);
      assert.ok(typeof last.resumedBy === 'string', `the parked run names the job that resumes it (${JSON.stringify(last)})`);
      const next = await queuedJob(s, last.resumedBy);
      if (runs.length === 1) {
        // "Sync now" pressed while the work is parked joins the parked job rather than queueing a copy.
        const again = await s.call('POST', '/api/links/main/sync');
        assert.deepEqual([again.status, again.body.jobId], [202, next.id], 'the same waiting work is not queued twice');
      }
      const done = await s.waitForJob(next.id);
      assert.equal(done.state, 'completed', JSON.stringify(done.output));
      assert.ok(Date.parse(done.createdOn) <= Date.parse(next.startAfter), 'queued to start later');
      const started = await s.sandbox.db.query<{ started_at: Date }>('select started_at from runs where id = $1', [done.output.runId]);
      assert.ok(started.rows[0]!.started_at.getTime() >= Date.parse(last.parkedUntil) - 50, `run ${runs.length + 1} started at the reset, not before`);
      runs.push(done.output);
      last = done.output;
    }
    t.diagnostic(`${runs.length} runs: ${runs.map((r) => `${r.status}${r.parkedUntil ? ' (parked)' : ''}`).join(', ')}`);
    assert.ok(runs.length >= 2, 'the sync needed more than one window');
    assert.ok(runs.length <= 4, 'each resumed run got on with the work rather than spending its window re-reading');
    assert.equal(runs.at(-1)!.status, 'succeeded');
    // A parked run is said to be parked, not failed: nothing about it needs a person.
    const rows = await s.sandbox.db.query<{ id: string; status: string; error_code: string | null }>('select id, status, error_code from runs where id = any($1::text[])', [runs.map((r) => r.runId as string)]);
    const byId = new Map(rows.rows.map((r) => [r.id, r]));
    for (const r of runs.slice(0, -1)) {
      assert.equal(r.status, 'parked', 'the job output says parked');
      assert.deepEqual([byId.get(r.runId)?.status, byId.get(r.runId)?.error_code], ['parked', 'MLC_ERR_DAILY_LIMIT'], 'the run row is parked, with the allowance as its reason');
    }
    // The process's own count of the runs it finished says the same.
    const metrics = String((await s.call('GET', '/metrics', undefined, null)).body);
    assert.match(metrics, /mlc_link_work_runs_total\{kind="sync",status="parked"\} [1-9]/);
    assert.doesNotMatch(metrics, /mlc_link_work_runs_total\{kind="sync",status="failed"\}/);

    const xero = await s.sandbox.xeroState();
    const org = await s.sandbox.billState();
    const ids = accpay(xero).filter(eligible).map((i: Json) => i.InvoiceID as string);
    assert.ok(ids.length >= 20, `${ids.length} eligible bills`);
    for (const id of ids) assert.equal(billFor(org, id).length, 1, `one BILL bill for ${id}`);
    const stats = (await s.sandbox.stats()).bill;
    assert.equal(stats.limitViolations, 0);
    assert.deepEqual(stats.rejections, {}, 'BILL refused no call');
    const failed = await s.sandbox.db.query<{ n: number }>("select count(*)::int as n from records where link = 'main' and status = 'failed'");
    assert.equal(failed.rows[0]!.n, 0, 'no record was left failed by the parking');
  });
});

/** A queued link-work job and when it may start. */
async function queuedJob(s: ServerSandbox, id: string): Promise<{ id: string; startAfter: string }> {
  const { rows } = await s.sandbox.db.query<{ id: string; start_after: Date }>('select id, start_after from pgboss.job where name = $1 and id = $2', [linkWorkJob.name, id]);
  assert.ok(rows[0], `job ${id} is queued`);
  return { id: rows[0].id, startAfter: rows[0].start_after.toISOString() };
}
