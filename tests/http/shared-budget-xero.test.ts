import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { openDatabase, type Db } from '../../src/store/db.ts';
import { appBudgetKey, budgetUsage, databaseBudget } from '../../src/store/repos/call-budget.ts';
import { Limiter } from '../../src/http/limiter.ts';
import { xeroSpec } from '../../src/systems/xero/spec.ts';
import { callsTo, startXeroHarness, totalRejections } from '../systems/xero-harness.ts';

/**
 * Two limiters with their transports, each as one process would have it (two CLI runs, or a CLI
 * run beside a worker), against one Xero tenant of the emulator, which counts Xero's 60 calls a
 * minute per tenant (https://developer.xero.com/documentation/oauth2/limits) whoever makes them.
 * On PostgreSQL the second one has its own pool, as a second process would.
 */
async function twoProcesses(db: Db, second: Db, shared: boolean, calls: number) {
  const h = await startXeroHarness({ seed: shared ? 71 : 72 });
  try {
    const appKey = appBudgetKey(h.emu.sandbox.clientId);
    const limiter = (d: Db) => new Limiter(xeroSpec.id, xeroSpec.limits, h.emulatorLimiterTimers, shared ? { budget: databaseBudget(d), appKey } : undefined);
    const clients = [h.client({ limiter: limiter(db) }), h.client({ limiter: limiter(second) })];
    await h.resetStats();
    const start = h.emu.ctx.clock.now();
    // Each "process" makes its calls one after another, as a run's serial reads do.
    await Promise.all(clients.map(async (c) => {
      const t = c.forTenant(h.tenantId);
      for (let i = 0; i < calls; i += 1) await t.listTrackingCategories();
    }));
    const stats = await h.stats();
    return { stats, now: h.emu.ctx.clock.now(), elapsedMs: h.emu.ctx.clock.now() - start, tenantId: h.tenantId, retries: clients.reduce((n, c) => n + c.metrics.retries, 0) };
  } finally {
    await h.stop();
  }
}

forEachBackend('shared budget: Xero minute across two processes', (b) => {
  const withSecond = async <T>(fn: (second: Db) => Promise<T>): Promise<T> => {
    const second = b.databaseUrl ? await openDatabase({ databaseUrl: b.databaseUrl }) : b.db;
    try {
      return await fn(second);
    } finally {
      if (second !== b.db) await second.close();
    }
  };

  test('counted in the database, two limiters on one tenant together never draw a per-minute 429', async () => {
    const r = await withSecond((second) => twoProcesses(b.db, second, true, 70));
    assert.equal(callsTo(r.stats, /TrackingCategories/), 140);
    assert.equal(totalRejections(r.stats), 0, JSON.stringify(r.stats.rejections));
    assert.equal(r.stats.limitViolations, 0);
    assert.equal(r.retries, 0);
    // 140 calls at 57 in any 61 s span: at least two waits of about a minute.
    assert.ok(r.elapsedMs >= 2 * 60_000, `${r.elapsedMs} ms`);
    const usage = Object.fromEntries((await budgetUsage(b.db, { system: 'xero', key: r.tenantId }, r.now)).map((u) => [u.window, u]));
    assert.equal(usage.day?.used, 140);
    assert.ok(usage.minute && usage.minute.used <= 57 && usage.minute.budget === 57, JSON.stringify(usage.minute));
  });

  test('counted per process (the budget switched off), the same calls draw per-minute 429s', async () => {
    const r = await withSecond((second) => twoProcesses(b.db, second, false, 70));
    assert.ok((r.stats.rejections['xero.minute'] ?? 0) > 0, `the emulator refused nothing: ${JSON.stringify(r.stats.rejections)}`);
  });
});
