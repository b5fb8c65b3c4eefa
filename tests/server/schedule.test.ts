/**
 * Poll schedules: each link has a pg-boss schedule (queue link-work, key = link name) that sends a
 * `sync` job with reason 'poll' under the link's BILL-organisation key, kept in step with the links
 * table. A cron's next minute boundary is too slow and too luck-dependent for a test, so the poll is
 * fired through `fireNow`, which sends exactly what the stored schedule row holds; the row itself
 * is checked separately.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { linkWorkJob } from '../../src/server/contract.ts';
import { checkPollCron } from '../../src/server/scheduler/index.ts';
import { accpay, billFor, eligible } from '../engine/ledger-views.ts';
import { forEachBackend } from '../helpers/db.ts';
import { ServerSandbox } from './server-fixture.ts';

forEachBackend('server poll schedules', (backend) => {
  let s: ServerSandbox;
  before(async () => {
    s = await ServerSandbox.open(backend, { seed: 5, xero: { suppliers: 4, bills: 10 } });
  });
  after(() => s?.close());

  const scheduleOf = (link: string) => s.server.services.queue.boss.getSchedule(linkWorkJob.name, link);

  test("a link's schedule holds its pollCron, a poll sync job and the organisation's singleton key", async () => {
    const row = await scheduleOf('main');
    assert.ok(row, 'scheduled at start');
    assert.equal(row.cron, '*/15 * * * *');
    assert.equal(row.timezone, 'UTC');
    assert.deepEqual(row.data, { kind: 'sync', link: 'main', reason: 'poll' });
    assert.equal(row.options?.singletonKey, `bill:${s.sandbox.billOrgId}`);
  });

  test('a pollCron changed through the API changes the schedule at once', async () => {
    const res = await s.call('PATCH', '/api/links/main', { settings: { pollCron: '*/5 * * * *' } });
    assert.equal(res.status, 200);
    assert.equal((await scheduleOf('main'))?.cron, '*/5 * * * *');
  });

  test('the poll the schedule sends is run by a worker and syncs the link', async () => {
    const jobId = await s.server.scheduler.fireNow('main');
    assert.ok(jobId);
    const job = await s.waitForJob(jobId);
    assert.equal(job.state, 'completed', JSON.stringify(job.output));
    assert.deepEqual(job.data, { kind: 'sync', link: 'main', reason: 'poll' });
    const run = await s.call('GET', `/api/runs/${job.output.runId}`);
    assert.deepEqual([run.body.kind, run.body.status], ['sync', 'succeeded']);
    const xero = await s.sandbox.xeroState();
    const org = await s.sandbox.billState();
    const wanted = accpay(xero).filter(eligible);
    assert.ok(wanted.length > 0);
    for (const i of wanted) assert.equal(billFor(org, i.InvoiceID).length, 1);
    assert.equal(await s.server.scheduler.fireNow('no-such-link'), null);
  });

  test('schedules follow links created through the API and links removed from the table', async () => {
    const created = await s.call('POST', '/api/links', { name: 'second', erpConnectionId: 'xero', billConnectionId: 'bill', settings: { pollCron: '0 * * * *' } });
    assert.equal(created.status, 201);
    assert.equal((await scheduleOf('second'))?.cron, '0 * * * *');
    // Links changed outside the server (the CLI) are picked up by the periodic reconcile.
    await s.sandbox.db.query("delete from links where name = 'second'");
    const changes = await s.server.scheduler.reconcile();
    assert.deepEqual(changes, { scheduled: [], removed: ['second'], invalid: [] });
    assert.equal(await scheduleOf('second'), null);
    assert.ok(await scheduleOf('main'));
  });

  test('pollCron accepts cron expressions only', () => {
    const queue = s.server.services.queue;
    for (const ok of ['*/15 * * * *', '0 6 * * 1-5', '30 2 1 * *']) assert.equal(checkPollCron(queue, ok), null, ok);
    for (const bad of ['every minute', '* * * *', '61 * * * *', 'FREQ=HOURLY']) assert.match(checkPollCron(queue, bad) ?? '', /cron expression/, bad);
  });
});
