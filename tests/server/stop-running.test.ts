/**
 * A worker asked to stop in the middle of a sync (a deploy, a scale-down): the run finishes and
 * commits the page it is on and ends as interrupted, the shutdown does not wait for the whole
 * sync, and the job goes back to the queue; a worker started later runs it to the end, with exactly
 * one BILL bill per eligible Xero bill.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { forEachBackend } from '../helpers/db.ts';
import { Sandbox, type Json } from '../engine/sandbox-fixture.ts';
import { accpay, billFor, eligible } from '../engine/ledger-views.ts';

const token = 'stop-test-token-0123456789abcdef';

async function call(server: RunningServer, method: string, path: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

forEachBackend('a worker stopping in the middle of a sync', (backend) => {
  let sb: Sandbox;

  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { linkName: 'main', seed: 41, xero: { suppliers: 20, bills: 160 } });
  });
  after(() => sb?.close());

  test('the run stops after its page, the job is retried by the next worker and completes', async () => {
    const serve = { role: 'all' as const, port: 0, apiToken: token, pollingIntervalSeconds: 0.5, stopTimeoutMs: 60_000 };
    const first = await startServer(sb.rt, serve);
    // Shut the server down the moment BILL receives the sync's first bulk bill create.
    let stopping: Promise<void> | null = null;
    const stopObserving = sb.bill.ctx.stats.onCall((endpoint) => {
      if (!stopping && /^POST \/connect\/v3\/bills\/bulk$/.test(endpoint)) stopping = first.stop();
    });
    let jobId: string;
    try {
      const accepted = await call(first, 'POST', '/api/links/main/sync');
      assert.equal(accepted.status, 202);
      jobId = accepted.body.jobId;
      for (const deadline = Date.now() + 60_000; !stopping; await new Promise((r) => setTimeout(r, 20))) {
        if (Date.now() > deadline) throw new Error(`the sync never sent a bulk bill create: ${JSON.stringify((await call(first, 'GET', `/api/jobs/${jobId}`)).body)}`);
      }
      await stopping;
    } finally {
      stopObserving();
    }

    const runs = await sb.db.query<{ id: string; status: string; error_code: string | null }>("select id, status, error_code from runs where link = 'main' order by started_at");
    assert.deepEqual(runs.rows.map((r) => [r.status, r.error_code]), [['interrupted', 'MLC_ERR_STOPPED']]);
    const bills = await sb.db.query<{ state: string; n: number }>("select state, count(*)::int as n from id_map where link = 'main' and entity = 'bill' group by state");
    const byState = Object.fromEntries(bills.rows.map((r) => [r.state, r.n]));
    assert.equal(byState.intent ?? 0, 0, 'the page it was on was finished: no create is left outstanding');
    assert.ok((byState.linked ?? 0) > 0, 'and its bills were committed');

    const second = await startServer(sb.rt, serve);
    try {
      const waiting = await call(second, 'GET', `/api/jobs/${jobId!}`);
      assert.equal(waiting.body.state, 'retry', `the stopped job waits for its retry: ${JSON.stringify(waiting.body)}`);
      let job: Json;
      for (const deadline = Date.now() + 60_000; ; ) {
        job = (await call(second, 'GET', `/api/jobs/${jobId!}`)).body;
        if (job.state === 'completed' || job.state === 'failed' || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(job.state, 'completed', JSON.stringify(job));
      assert.equal(job.retryCount, 1);
      assert.ok(['succeeded', 'partial'].includes(job.output.status), JSON.stringify(job.output));
    } finally {
      await second.stop();
    }

    const org = await sb.billState();
    const created = accpay(await sb.xeroState()).filter(eligible).map((i: Json) => billFor(org, i.InvoiceID).length);
    assert.ok(created.every((n: number) => n <= 1), 'no Xero bill has two BILL bills');
    assert.ok(created.filter((n: number) => n === 1).length >= byState.linked!, 'the retry went on from what the stopped run committed');
  });
});
