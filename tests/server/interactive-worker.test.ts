/**
 * Each worker process keeps one worker for interactive work (webhook follow-ups, replays, a step's
 * own schedule): with every general worker inside a slow sync, a follow-up for another organisation
 * starts at once, while a poll of that organisation waits for a general worker.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { control } from '../engine/sandbox-fixture.ts';
import { linkWorkJob, linkWorkPriority, type LinkWork } from '../../src/server/contract.ts';
import { ServerSandbox } from './server-fixture.ts';

forEachBackend('a worker kept for interactive work', (b) => {
  let s: ServerSandbox;
  before(async () => {
    s = await ServerSandbox.open(b, { seed: 43, serve: { workerConcurrency: 1 } });
    // Slow answers keep the one general worker inside the sync for several seconds.
    for (const base of [s.sandbox.xero.urls.base, s.sandbox.bill.urls.base]) await control(base, 'POST', '/latency', { latencyMs: 400 });
  });
  after(async () => s?.close());

  const state = async (id: string) => (await s.server.services.queue.boss.getJobById<unknown>(linkWorkJob.name, id))?.state;
  const send = async (work: LinkWork, singletonKey: string) => {
    const id = await s.server.services.queue.send(linkWorkJob, work, { singletonKey, priority: linkWorkPriority(work) });
    assert.ok(id);
    return id;
  };

  test('a follow-up starts beside a running sync; a poll waits for it', async () => {
    const sync = (await s.call('POST', '/api/links/main/sync')).body.jobId as string;
    for (const deadline = Date.now() + 10_000; (await state(sync)) !== 'active'; await new Promise((r) => setTimeout(r, 50))) assert.ok(Date.now() < deadline, 'the sync started');
    // Both name a link that does not exist, so each ends (failed, for good) the moment a worker takes it.
    const followUp = await send({ kind: 'records', link: 'elsewhere', system: 'xero', entity: 'bill', ids: ['x'] }, 'bill:another-organisation');
    const poll = await send({ kind: 'sync', link: 'elsewhere', reason: 'poll' }, 'bill:a-third-organisation');
    for (const deadline = Date.now() + 5_000; (await state(followUp)) === 'created'; await new Promise((r) => setTimeout(r, 50))) assert.ok(Date.now() < deadline, 'the follow-up was taken while the sync ran');
    assert.equal(await state(sync), 'active', 'the sync was still running when the follow-up was taken');
    assert.equal(await state(poll), 'created', 'the poll waits for the general worker');
    const done = await s.waitForJob(sync, 120_000);
    assert.equal(done.state, 'completed', JSON.stringify(done.output));
    for (const deadline = Date.now() + 10_000; (await state(poll)) === 'created'; await new Promise((r) => setTimeout(r, 100))) assert.ok(Date.now() < deadline, 'the poll ran once the general worker was free');
  });
});
