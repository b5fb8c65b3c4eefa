import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { forEachBackend } from '../helpers/db.ts';
import { defineJob, PermanentJobError, startQueue, listDeadLetters, type Queue } from '../../src/store/queue.ts';
import { openDatabase, type Db } from '../../src/store/db.ts';
import { registerSecret } from '../../src/core/redact.ts';

const waitFor = async <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

// Job names are unique per suite: each back-end suite gets its own database, but the registry is per process.
const jobsFor = (kind: string) => ({
  echo: defineJob(`test-echo-${kind}`, z.object({ link: z.string(), n: z.number().int() })),
  flaky: defineJob(`test-flaky-${kind}`, z.object({ link: z.string() }), { retryLimit: 2, retryDelay: 1, retryBackoff: true, retryDelayMax: 2 }),
  doomed: defineJob(`test-doomed-${kind}`, z.object({ link: z.string() }), { retryLimit: 0 }),
  perLink: defineJob(`test-per-link-${kind}`, z.object({ link: z.string(), n: z.number() }), { retryLimit: 0 }),
});

const jobs = { pglite: jobsFor('pglite'), postgres: jobsFor('postgres') };

forEachBackend('queue', (b) => {
  let queue: Queue;
  const j = () => jobs[b.kind];

  test('starts quickly on the shared database', async () => {
    const started = performance.now();
    queue = await startQueue(b.db, { jobs: Object.values(j()) });
    const ms = performance.now() - started;
    assert.ok(ms < 15_000, `start took ${Math.round(ms)} ms`);
  });

  test('send → work → completed, with the payload validated both ways', async () => {
    const seen: { payload: unknown; key: string | null }[] = [];
    await queue.work(j().echo, async (payload, job) => {
      seen.push({ payload, key: job.singletonKey });
      return { doubled: payload.n * 2 };
    });
    const started = performance.now();
    const id = await queue.send(j().echo, { link: 'acme', n: 21 }, { singletonKey: 'acme' });
    assert.ok(id);
    const done = await waitFor('completion', async () => {
      const [row] = await queue.boss.findJobs(j().echo.name, { id: id! });
      return row?.state === 'completed' ? row : undefined;
    });
    const ms = performance.now() - started;
    assert.deepEqual(done.output, { doubled: 42 });
    assert.deepEqual(seen, [{ payload: { link: 'acme', n: 21 }, key: 'acme' }]);
    assert.ok(ms < 5_000, `round trip took ${Math.round(ms)} ms`);
    await assert.rejects(queue.send(j().echo, { link: 'acme', n: 1.5 } as never), /invalid payload for job 'test-echo-.*': n /);
    await assert.rejects(queue.send('no-such-job', {}), /no job named 'no-such-job'/);
  });

  test('a job sent inside a transaction exists only if the transaction commits', async () => {
    const key = `tx-${randomBytes(3).toString('hex')}`;
    await assert.rejects(
      b.db.transaction(async (tx) => {
        await queue.send(j().doomed, { link: key }, { tx, singletonKey: key, startAfter: 3600 });
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal((await queue.boss.findJobs(j().doomed.name, { key })).length, 0);
    await b.db.transaction(async (tx) => {
      await tx.query(`insert into kv (key, value) values ($1, '1')`, [key]);
      await queue.send(j().doomed, { link: key }, { tx, singletonKey: key, startAfter: 3600 });
    });
    assert.equal((await queue.boss.findJobs(j().doomed.name, { key })).length, 1);
    await assert.rejects(
      b.db.transaction(async () => {
        await queue.send(j().doomed, { link: key });
      }),
      /inside a transaction must pass \{ tx \}/,
    );
  });

  test('a failing job is retried with backoff, then dead-lettered with its (redacted) error', async () => {
    const attempts: number[] = [];
    const token = `tok-${randomBytes(8).toString('hex')}`;
    registerSecret(token);
    await queue.work(j().flaky, async (_payload, job) => {
      attempts.push(job.retryCount);
      throw new Error(`vendor said no to ${token}`);
    });
    const id = await queue.send(j().flaky, { link: 'flaky-co' }, { singletonKey: 'flaky-co' });
    const dead = await waitFor('dead letter', async () => (await listDeadLetters(queue)).find((d) => d.sourceId === id), 30_000);
    assert.deepEqual(attempts, [0, 1, 2], 'first attempt plus retryLimit retries');
    assert.equal(dead.job, j().flaky.name);
    assert.equal(dead.singletonKey, 'flaky-co');
    assert.deepEqual(dead.data, { link: 'flaky-co' });
    assert.deepEqual(dead.error, { name: 'Error', message: 'vendor said no to [REDACTED]' });
    const [original] = await queue.boss.findJobs(j().flaky.name, { id: id! });
    assert.equal(original?.state, 'failed');
    assert.equal(original?.retryBackoff, true);
  });

  test('a permanent failure skips the retries and is dead-lettered at once', async () => {
    let calls = 0;
    const flaky = j().flaky;
    await queue.boss.offWork(flaky.name);
    await queue.work(flaky, async () => {
      calls += 1;
      throw new PermanentJobError('the bill was deleted');
    });
    const id = await queue.send(flaky, { link: 'gone-co' });
    const dead = await waitFor('dead letter', async () => (await queue.listDeadLetters()).find((d) => d.sourceId === id));
    assert.equal(calls, 1);
    assert.deepEqual(dead.error, { name: 'PermanentJobError', message: 'the bill was deleted' });
  });

  test('stops cleanly', async () => {
    await queue.stop();
    assert.equal((await b.db.query<{ n: number }>('select 1 as n')).rows[0]!.n, 1, 'the shared database stays open');
  });
});

forEachBackend('queue workers', (b) => {
  test('never run two jobs of one link at once, while different links run side by side', async () => {
    const { perLink } = jobs[b.kind];
    // On PostgreSQL a second pg-boss instance with its own pool stands in for a second worker
    // process. PGlite is one process, so there two worker loops share one instance; the
    // per-key rule is the same unique index either way.
    const other: Db | null = b.databaseUrl ? await openDatabase({ databaseUrl: b.databaseUrl }) : null;
    const first = await startQueue(b.db, { jobs: [perLink] });
    const second = other ? await startQueue(other, { jobs: [perLink], statsIntervalSeconds: 1 }) : first;
    try {
      const active = new Map<string, number>();
      const maxActive = new Map<string, number>();
      let overlapAcrossLinks = false;
      const done: string[] = [];
      const handler = (worker: string) => async (payload: { link: string; n: number }) => {
        const now = (active.get(payload.link) ?? 0) + 1;
        active.set(payload.link, now);
        maxActive.set(payload.link, Math.max(maxActive.get(payload.link) ?? 0, now));
        if ([...active.entries()].some(([k, v]) => k !== payload.link && v > 0)) overlapAcrossLinks = true;
        await new Promise((r) => setTimeout(r, 400));
        active.set(payload.link, (active.get(payload.link) ?? 1) - 1);
        done.push(`${worker}:${payload.link}:${payload.n}`);
      };
      // One job at a time per worker: alpha and beta overlapping then proves that both
      // workers took jobs, whichever of them polls first.
      await first.work(perLink, handler('w1'), { localConcurrency: 1 });
      await second.work(perLink, handler('w2'), { localConcurrency: 1 });
      for (let n = 0; n < 4; n++) {
        for (const link of ['alpha', 'beta']) await first.send(perLink, { link, n }, { singletonKey: link });
      }
      await waitFor('all jobs', async () => done.length === 8, 60_000);
      assert.equal(maxActive.get('alpha'), 1, 'alpha never ran twice at once');
      assert.equal(maxActive.get('beta'), 1, 'beta never ran twice at once');
      assert.ok(overlapAcrossLinks, 'alpha and beta ran in parallel at some point');
      assert.equal(new Set(done.map((d) => d.split(':')[0])).size, 2, `both workers took jobs: ${done.join(', ')}`);
    } finally {
      if (second !== first) await second.stop();
      await first.stop();
      await other?.close();
    }
  });
});
