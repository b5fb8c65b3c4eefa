import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { forEachBackend } from '../helpers/db.ts';
import { ConnectorError } from '../../src/core/errors.ts';
import { withCallClass } from '../../src/http/call-class.ts';
import { Limiter } from '../../src/http/limiter.ts';
import type { LimitsSpec, WindowLimitSpec } from '../../src/http/limits-spec.ts';
import type { CallClass } from '../../src/http/shared-budget.ts';
import { appBudgetKey, databaseBudget } from '../../src/store/repos/call-budget.ts';
import { ManualTimers, flush } from './manual-timers.ts';

const win = (w: Partial<WindowLimitSpec>): WindowLimitSpec => ({
  name: 'minute', published: 5, budget: 3, windowMs: 60_000, scope: 'tenant', alignment: 'rolling', onExhaust: 'wait', group: 'api', source: 'test', ...w,
});
const limits = (windows: WindowLimitSpec[]): LimitsSpec => ({ concurrency: { published: 10, budget: 10, scope: 'tenant', source: 'test' }, windows });

/** Lets database answers arrive: the manual clock does not move while we wait for them. */
const settle = async () => {
  await flush();
  await delay(15);
  await flush();
};

/** One call: takes a slot and gives it back at once; resolves to what happened. */
const call = (limiter: Limiter, tenant: string, cls: CallClass, log: string[], label: string) =>
  withCallClass(cls, () => limiter.acquire(tenant)).then(
    (p) => {
      log.push(label);
      p.release();
      return 'granted' as const;
    },
    (e: unknown) => {
      if (e instanceof ConnectorError && e.code === 'MLC_ERR_DAILY_LIMIT') return 'parked' as const;
      throw e;
    },
  );

test('in one process, an interactive call queued behind bulk ones for a full window goes first', async () => {
  const timers = new ManualTimers();
  const limiter = new Limiter('t', limits([win({ budget: 2 })]), timers);
  const log: string[] = [];
  await Promise.all([call(limiter, 'org', 'bulk', log, 'b0'), call(limiter, 'org', 'bulk', log, 'b1')]);
  const waiting = [1, 2, 3].map((i) => call(limiter, 'org', 'bulk', log, `b${i + 1}`));
  await flush();
  const payment = call(limiter, 'org', 'interactive', log, 'pay');
  await flush();
  assert.deepEqual(log, ['b0', 'b1']);
  await timers.advance(60_000);
  await timers.advance(60_000);
  await Promise.all([...waiting, payment]);
  assert.deepEqual(log, ['b0', 'b1', 'pay', 'b2', 'b3', 'b4']);
});

forEachBackend('shared budget at limiter level', (b) => {
  test('fair share: an organisation that took most of the hour alone waits while the others take what is left', async () => {
    const timers = new ManualTimers();
    const hour = win({ name: 'hour', published: 120, budget: 100, windowMs: 3_600_000, scope: 'app', alignment: 'clock', onExhaust: 'park', interactiveReserve: 0 });
    const limiter = new Limiter('fair', limits([hour]), timers, { budget: databaseBudget(b.db), appKey: appBudgetKey('fair-key') });
    const log: string[] = [];
    for (let i = 0; i < 60; i += 1) assert.equal(await call(limiter, 'A', 'bulk', log, 'A'), 'granted');
    const made = { A: 0, B: 0, C: 0 };
    const run = async (org: 'A' | 'B' | 'C') => {
      for (;;) {
        const r = await call(limiter, org, 'bulk', log, org);
        if (r === 'parked') return;
        made[org] += 1;
      }
    };
    // B and C come asking (one call each), then all three keep asking: A, which had the hour to
    // itself, has more than an equal part, so what is left goes to B and C in equal parts.
    for (const org of ['B', 'C'] as const) {
      assert.equal(await call(limiter, org, 'bulk', log, org), 'granted');
      made[org] += 1;
    }
    const runs = [run('A'), run('B'), run('C')];
    let settled = false;
    void Promise.all(runs).then(() => (settled = true));
    for (let i = 0; i < 200 && !settled; i += 1) {
      await settle();
      await timers.advance(1000);
    }
    await Promise.all(runs);
    // What was left (40) went to the two that had not had their share; A took none of it.
    assert.deepEqual(made, { A: 0, B: 20, C: 20 });
    assert.ok((limiter.snapshot().sharedWaits.share ?? 0) > 0);
  });

  test('priority: across two processes, an interactive call waiting for a tenant minute goes ahead of the bulk calls waiting for it', async () => {
    // Each process has its own timers (its own event loop) on one time line; at every tick the bulk
    // process wakes first, so its calls ask the budget before the payment does.
    const bulkTimers = new ManualTimers();
    const paymentTimers = new ManualTimers();
    const tick = async () => {
      await bulkTimers.advance(1000);
      await settle();
      await paymentTimers.advance(1000);
      await settle();
    };
    const minute = win({ budget: 3 });
    const shared = { budget: databaseBudget(b.db), appKey: appBudgetKey('prio-key') };
    const bulkProcess = new Limiter('prio', limits([minute]), bulkTimers, shared);
    const paymentsProcess = new Limiter('prio', limits([minute]), paymentTimers, shared);
    const log: string[] = [];
    for (let i = 0; i < 3; i += 1) await call(bulkProcess, 'org', 'bulk', log, 'first');
    const bulk = [0, 1, 2].map(() => call(bulkProcess, 'org', 'bulk', log, 'bulk'));
    await tick();
    const payment = call(paymentsProcess, 'org', 'interactive', log, 'payment');
    await settle();
    assert.deepEqual(log, ['first', 'first', 'first']);
    for (let i = 0; i < 150 && log.length < 7; i += 1) await tick();
    await Promise.all([...bulk, payment]);
    assert.deepEqual(log.slice(3), ['payment', 'bulk', 'bulk', 'bulk']);
    assert.ok((bulkProcess.snapshot().sharedWaits.priority ?? 0) > 0, JSON.stringify(bulkProcess.snapshot().sharedWaits));
  });
});
