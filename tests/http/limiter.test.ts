import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../src/core/errors.ts';
import { Limiter, type Permit } from '../../src/http/limiter.ts';
import type { LimitsSpec, WindowLimitSpec } from '../../src/http/limits-spec.ts';
import { xeroSpec } from '../../src/systems/xero/spec.ts';
import { billSpec } from '../../src/systems/bill/spec.ts';
import { ManualTimers, flush } from './manual-timers.ts';

const win = (w: Partial<WindowLimitSpec>): WindowLimitSpec => ({
  name: 'minute', published: 5, budget: 4, windowMs: 60_000, scope: 'tenant', alignment: 'rolling', onExhaust: 'wait', group: 'api', source: 'test', ...w,
});
const limits = (concurrency: number, windows: WindowLimitSpec[]): LimitsSpec => ({
  concurrency: { published: concurrency, budget: concurrency, scope: 'tenant', source: 'test' },
  windows,
});

test('the concurrency cap holds and waiters are served first come, first served', async () => {
  const timers = new ManualTimers();
  const limiter = new Limiter('t', limits(2, []), timers);
  const order: number[] = [];
  const held: Permit[] = [];
  const all = Array.from({ length: 6 }, (_, i) =>
    limiter.acquire('org').then((p) => {
      order.push(i);
      held.push(p);
    }),
  );
  await flush();
  assert.deepEqual(order, [0, 1]);
  assert.equal(limiter.snapshot().queued.org, 4);
  while (held.length > 0) {
    held.shift()!.release();
    await flush();
  }
  await Promise.all(all);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
  assert.equal(limiter.snapshot().maxInFlight.org, 2);
});

test('a minute window makes callers wait until the oldest call leaves the window, never spinning', async () => {
  const timers = new ManualTimers();
  const limiter = new Limiter('t', limits(10, [win({ budget: 3 })]), timers);
  const grantedAt: number[] = [];
  const start = timers.now();
  const all = Array.from({ length: 7 }, () => limiter.acquire('tenant').then((p) => { grantedAt.push(timers.now() - start); p.release(); }));
  await flush();
  assert.deepEqual(grantedAt, [0, 0, 0]);
  await timers.advance(59_999);
  assert.equal(grantedAt.length, 3);
  await timers.advance(1);
  assert.deepEqual(grantedAt, [0, 0, 0, 60_000, 60_000, 60_000]);
  await timers.advance(60_000);
  await Promise.all(all);
  assert.deepEqual(grantedAt, [0, 0, 0, 60_000, 60_000, 60_000, 120_000]);
  assert.ok(limiter.snapshot().windowWaits >= 2);
});

test('tenants are limited independently; app-scoped windows are shared', async () => {
  const timers = new ManualTimers();
  const limiter = new Limiter('t', limits(10, [win({ budget: 2 }), win({ name: 'app', budget: 3, scope: 'app' })]), timers);
  const got: string[] = [];
  const take = (t: string) => limiter.acquire(t).then((p) => { got.push(t); p.release(); });
  const all = [take('a'), take('a'), take('a'), take('b'), take('b')];
  await flush();
  // a gets its 2, b gets 1 before the shared budget of 3 is spent; the rest wait.
  assert.deepEqual(got.sort(), ['a', 'a', 'b']);
  await timers.advance(60_000);
  await Promise.all(all);
  assert.equal(got.length, 5);
});

test('an exhausted day allowance refuses at once with the reset time instead of waiting', async () => {
  const timers = new ManualTimers();
  const limiter = new Limiter('xero', limits(5, [win({ name: 'day', published: 5000, budget: 2, windowMs: 86_400_000, onExhaust: 'park' })]), timers);
  (await limiter.acquire('t1')).release();
  await timers.advance(1000);
  (await limiter.acquire('t1')).release();
  await assert.rejects(limiter.acquire('t1'), (e: unknown) => {
    assert.ok(e instanceof ConnectorError);
    assert.equal(e.code, 'MLC_ERR_DAILY_LIMIT');
    assert.equal(e.retryAfterMs, 86_400_000 - 1000);
    assert.match(e.message, /day allowance for tenant t1/);
    return true;
  });
  (await limiter.acquire('t2')).release();
  assert.equal(limiter.snapshot().parkedRejections, 1);
});

test('park() closes the allowance until the time the service gave; clock-aligned windows reset on the hour', async () => {
  const timers = new ManualTimers();
  const hour = win({ name: 'hour', published: 20000, budget: 2, windowMs: 3_600_000, alignment: 'clock', onExhaust: 'park', scope: 'app' });
  const limiter = new Limiter('bill', limits(3, [hour]), timers);
  limiter.park('org', 'api', timers.now() + 5000);
  await assert.rejects(limiter.acquire('other-org'), (e: ConnectorError) => e.retryAfterMs === 5000);
  await timers.advance(5000);
  (await limiter.acquire('org')).release();
  (await limiter.acquire('org')).release();
  const untilHour = 3_600_000 - (timers.now() % 3_600_000);
  await assert.rejects(limiter.acquire('org'), (e: ConnectorError) => e.retryAfterMs === untilHour);
  await timers.advance(untilHour);
  (await limiter.acquire('org')).release();
});

test('login calls count against the login allowance only', async () => {
  const timers = new ManualTimers();
  const limiter = new Limiter('bill', limits(3, [win({ name: 'login', budget: 1, group: 'login', onExhaust: 'park', windowMs: 3_600_000 })]), timers);
  (await limiter.acquire('org', 'login')).release();
  await assert.rejects(limiter.acquire('org', 'login'), /login allowance/);
  (await limiter.acquire('org', 'api')).release();
});

test('an aborted waiter leaves the queue without taking a slot', async () => {
  const timers = new ManualTimers();
  const limiter = new Limiter('t', limits(1, []), timers);
  const first = await limiter.acquire('x');
  const ac = new AbortController();
  const waiting = limiter.acquire('x', 'api', ac.signal);
  const after = limiter.acquire('x');
  ac.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  first.release();
  (await after).release();
  assert.equal(limiter.snapshot().queued.x, 0);
});

test('the published limits come from the spec data with budgets just under them', () => {
  assert.equal(xeroSpec.limits.concurrency.budget, 5);
  const xeroMinute = xeroSpec.limits.windows.find((w) => w.name === 'minute')!;
  assert.equal(xeroMinute.published, 60);
  assert.ok(xeroMinute.budget < 60 && xeroMinute.budget >= 55);
  const xeroDay = xeroSpec.limits.windows.find((w) => w.name === 'day')!;
  assert.deepEqual([xeroDay.published, xeroDay.onExhaust], [5000, 'park']);
  assert.equal(billSpec.limits.concurrency.budget, 3);
  const billHour = billSpec.limits.windows.find((w) => w.name === 'hour')!;
  assert.deepEqual([billHour.published, billHour.scope, billHour.alignment, billHour.onExhaust], [20000, 'app', 'clock', 'park']);
});
