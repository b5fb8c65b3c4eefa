import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { openDatabase } from '../../src/store/db.ts';
import { appBudgetKey, budgetUsage, reserveCall } from '../../src/store/repos/call-budget.ts';
import type { WindowLimitSpec } from '../../src/http/limits-spec.ts';
import type { BudgetRequest } from '../../src/http/shared-budget.ts';

const src = 'test';
const minute: WindowLimitSpec = { name: 'minute', published: 6, budget: 5, windowMs: 60_000, scope: 'tenant', alignment: 'rolling', onExhaust: 'wait', group: 'api', source: src };
const hour: WindowLimitSpec = { name: 'hour', published: 100, budget: 40, windowMs: 3_600_000, scope: 'app', alignment: 'clock', onExhaust: 'park', group: 'api', source: src, interactiveReserve: 4 };
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

const ask = (over: Partial<BudgetRequest> & { tenant: string }): BudgetRequest => ({
  system: 'sys', callClass: 'bulk', now: T0, windows: [{ spec: minute, key: over.tenant }], ...over,
});

forEachBackend('call budget', (b) => {
  test('a rolling window grants its budget in any span of the window, then says when room frees', async () => {
    for (let i = 0; i < 5; i += 1) assert.deepEqual(await reserveCall(b.db, ask({ tenant: 't-roll', now: T0 + i * 1000 })), { granted: true });
    const refused = await reserveCall(b.db, ask({ tenant: 't-roll', now: T0 + 5000 }));
    assert.equal(refused.granted, false);
    assert.ok(!refused.granted && refused.reason === 'window' && refused.window.name === 'minute');
    // The first call's bucket leaves the window one bucket (1 s) after the span: 61 s after it.
    assert.ok(!refused.granted && refused.retryAt === T0 + 61_000, `retryAt ${!refused.granted && refused.retryAt}`);
    assert.equal((await reserveCall(b.db, ask({ tenant: 't-roll', now: T0 + 60_500 }))).granted, false);
    assert.equal((await reserveCall(b.db, ask({ tenant: 't-roll', now: T0 + 61_000 }))).granted, true);
    const usage = await budgetUsage(b.db, { system: 'sys', key: 't-roll' }, T0 + 61_000);
    assert.deepEqual(usage.map((u) => [u.window, u.used, u.budget]), [['minute', 5, 5]]);
    assert.equal(usage[0]!.resetsAt.getTime(), T0 + 1000 + 61_000);
  });

  test('all windows or none: a call refused by one window is not counted in the others', async () => {
    const key = appBudgetKey('dev-key-all-or-none');
    const windows = [{ spec: minute, key: 't-aon' }, { spec: hour, key }];
    for (let i = 0; i < 5; i += 1) assert.equal((await reserveCall(b.db, ask({ tenant: 't-aon', windows, callClass: 'interactive' }))).granted, true);
    assert.equal((await reserveCall(b.db, ask({ tenant: 't-aon', windows, callClass: 'interactive' }))).granted, false);
    const usage = await budgetUsage(b.db, { system: 'sys', key }, T0);
    assert.deepEqual(usage.map((u) => [u.window, u.used, u.budget, u.resetsAt.getTime()]), [['hour', 5, 40, T0 + 3_600_000]]);
    assert.ok(!key.includes('dev-key'), 'the developer key is not stored');
  });

  test('bulk work leaves the reserve of a parking window to interactive calls, which take it', async () => {
    const key = appBudgetKey('dev-key-reserve');
    const windows = [{ spec: hour, key }];
    let granted = 0;
    for (let i = 0; i < 40; i += 1) if ((await reserveCall(b.db, ask({ tenant: 'org-r', windows, now: T0 + i }))).granted) granted += 1;
    assert.equal(granted, 36);
    const refused = await reserveCall(b.db, ask({ tenant: 'org-r', windows, now: T0 + 50 }));
    assert.ok(!refused.granted && refused.reason === 'reserve' && refused.retryAt === T0 + 3_600_000);
    for (let i = 0; i < 4; i += 1) assert.equal((await reserveCall(b.db, ask({ tenant: 'org-r', windows, now: T0 + 60, callClass: 'interactive' }))).granted, true);
    const full = await reserveCall(b.db, ask({ tenant: 'org-r', windows, now: T0 + 70, callClass: 'interactive' }));
    assert.ok(!full.granted && full.reason === 'window');
    // The next hour starts empty.
    assert.equal((await reserveCall(b.db, ask({ tenant: 'org-r', windows, now: T0 + 3_600_000 }))).granted, true);
  });

  test('two connections reserving at once never exceed the budget together', async () => {
    const other = b.databaseUrl ? await openDatabase({ databaseUrl: b.databaseUrl }) : b.db;
    try {
      const windows = [{ spec: { ...minute, budget: 50 }, key: 't-race' }];
      const answers = await Promise.all(
        Array.from({ length: 120 }, (_, i) => reserveCall(i % 2 === 0 ? b.db : other, ask({ tenant: 't-race', windows, now: T0 + 10 }))),
      );
      assert.equal(answers.filter((a) => a.granted).length, 50);
      assert.equal((await budgetUsage(b.db, { system: 'sys', key: 't-race' }, T0 + 10))[0]!.used, 50);
    } finally {
      if (other !== b.db) await other.close();
    }
  });

  test('one reservation costs about a millisecond (measured, three windows as Xero has)', async () => {
    const key = appBudgetKey('client-perf');
    const big = { ...minute, budget: 100_000 };
    const windows = [{ spec: big, key: 't-perf' }, { spec: { ...big, name: 'day', windowMs: 86_400_000, onExhaust: 'park' as const }, key: 't-perf' }, { spec: { ...big, name: 'app minute', scope: 'app' as const }, key }];
    for (let i = 0; i < 20; i += 1) await reserveCall(b.db, ask({ tenant: 't-perf', windows, now: T0 + i }));
    const n = 300;
    const started = performance.now();
    for (let i = 0; i < n; i += 1) await reserveCall(b.db, ask({ tenant: 't-perf', windows, now: T0 + 100 + i * 10 }));
    const perCall = (performance.now() - started) / n;
    process.stderr.write(`[call budget ${b.kind}] ${perCall.toFixed(2)} ms per reservation\n`);
    assert.ok(perCall < 5, `${perCall} ms per reservation`);
  });
});
