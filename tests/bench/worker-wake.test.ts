import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { engineDeps } from '../../src/app/engine-deps.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { silentLogger } from '../../src/core/log.ts';
import { linkJobKey, linkWorkJob } from '../../src/server/contract.ts';
import { recordAndEnqueue } from '../../src/server/webhooks/enqueue.ts';
import { startLinkWorkers, wakeLinkWorkers } from '../../src/server/worker/index.ts';
import { startQueue, type Queue } from '../../src/store/queue.ts';
import { forEachBackend } from '../helpers/db.ts';

/**
 * What the webhook latency bench measured as queue pick-up: a webhook's follow-up job is taken at
 * once by this process's worker, not at its next poll, and a job waiting behind another of the same
 * organisation starts when that one ends. The poll here is 5 s, so polling alone cannot pass.
 * The jobs name a link that does not exist: the handler dead-letters them at once, which is all
 * the timing needs.
 */
const pollSeconds = 5;

forEachBackend('link-work workers woken on enqueue and at the end of a job', (backend) => {
  let queue: Queue;

  before(async () => {
    queue = await startQueue(backend.db, { jobs: [linkWorkJob], pollingIntervalSeconds: pollSeconds, statsIntervalSeconds: 1 });
    const box = await openSecretBox({ dataDir: backend.dataDir, masterKey: randomBytes(32).toString('hex') });
    await startLinkWorkers({ db: backend.db, deps: engineDeps({ db: backend.db, box, log: silentLogger }), queue }, { concurrency: 1 });
    // Let the worker make its first (empty) fetch and go to sleep for the poll.
    await new Promise((r) => setTimeout(r, 500));
  });
  after(async () => {
    await queue.stop({ timeoutMs: 5000 });
  });

  /** When a job was taken by a worker, in ms after it was created; null while it waits. */
  const startedAfterMs = async (id: string): Promise<{ createdMs: number; startedMs: number } | null> => {
    const { rows } = await backend.db.query<{ created_ms: number; started_ms: number | null }>(
      `select extract(epoch from created_on) * 1000 as created_ms, extract(epoch from started_on) * 1000 as started_ms from pgboss.job where id = $1`,
      [id],
    );
    const row = rows[0];
    return row && row.started_ms !== null ? { createdMs: Number(row.created_ms), startedMs: Number(row.started_ms) } : null;
  };
  const waitStarted = async (id: string) => {
    const deadline = Date.now() + (pollSeconds - 1) * 1000;
    for (;;) {
      const t = await startedAfterMs(id);
      if (t) return t;
      assert.ok(Date.now() < deadline, `job ${id} was not picked up within ${pollSeconds - 1} s: the worker only polled`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  test('a webhook follow-up is picked up at once, not at the next poll', async () => {
    const { jobs } = await recordAndEnqueue({ db: backend.db, queue }, [
      { route: { link: 'no-such-link', hubTenant: 'org-wake-1' }, eventKey: `wake-${randomBytes(4).toString('hex')}`, system: 'bill', entity: 'payment', id: 'p1', payload: { id: 'p1' } },
    ]);
    assert.equal(jobs.length, 1);
    const t = await waitStarted(jobs[0]!);
    assert.ok(t.startedMs - t.createdMs < 1000, `picked up ${Math.round(t.startedMs - t.createdMs)} ms after it was sent`);
  });

  test('a job behind another of the same organisation starts when that one ends', async () => {
    const key = linkJobKey('org-wake-2');
    const first = await queue.send(linkWorkJob, { kind: 'records', link: 'no-such-link', system: 'bill', entity: 'payment', ids: ['a'] }, { singletonKey: key });
    const second = await queue.send(linkWorkJob, { kind: 'records', link: 'no-such-link', system: 'bill', entity: 'payment', ids: ['b'] }, { singletonKey: key });
    assert.ok(first && second);
    wakeLinkWorkers(queue);
    const a = await waitStarted(first);
    const b = await waitStarted(second);
    assert.ok(b.startedMs - a.startedMs < 1500, `the second started ${Math.round(b.startedMs - a.startedMs)} ms after the first`);
  });
});
