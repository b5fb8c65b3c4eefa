import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { openDatabase, type Db } from '../../src/store/db.ts';
import { appBudgetKey, budgetUsage, databaseBudget } from '../../src/store/repos/call-budget.ts';
import { ConnectorError } from '../../src/core/errors.ts';
import { Limiter, type LimiterTimers } from '../../src/http/limiter.ts';
import type { LimitsSpec } from '../../src/http/limits-spec.ts';
import { billSpec } from '../../src/systems/bill/spec.ts';
import { MemoryCredentialStore } from '../../src/systems/memory-credential-store.ts';
import type { BillCredentials } from '../../src/systems/bill/auth.ts';
import { startBillHarness } from '../systems/bill-harness.ts';

/** BILL's hour lowered to what the emulator is started with: 60 calls, of which we use 50. */
const limits: LimitsSpec = {
  ...billSpec.limits,
  windows: billSpec.limits.windows.map((w) => (w.name === 'hour' ? { ...w, published: 60, budget: 50 } : w)),
};

interface AllowanceView { devKeys: Record<string, Array<{ taken: number; refused: number; byOrganization: Record<string, number> }>> }

/**
 * Three organisations on one developer key, served by two limiters as two worker processes would
 * (organisations 1 and 2 in the first, 3 in the second), each organisation calling until its work
 * is parked. The emulator counts the key's hourly allowance across all its organisations
 * (https://developer.bill.com/docs/api-rate-limits, BDC_1144).
 */
async function threeOrganisations(db: Db, second: Db, shared: boolean) {
  const h = await startBillHarness({ seed: shared ? 81 : 82, hourlyLimit: 60 });
  try {
    const control = async (path: string, body?: unknown) => {
      const res = await fetch(`${h.emu.urls.base}/_emulator/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.ok(res.ok, `${path}: ${res.status}`);
      return res.json() as Promise<unknown>;
    };
    const orgs = [h.emu.sandbox.organizationId];
    for (let i = 0; i < 2; i += 1) orgs.push(((await control('organizations', { vendors: 2, bills: 0 })) as { organizationId: string }).organizationId);
    const clock = h.emu.ctx.clock;
    const timers: LimiterTimers = {
      now: () => clock.now(),
      schedule: (ms, fn) => {
        clock.advance(ms);
        const t = setImmediate(fn);
        return () => clearImmediate(t);
      },
    };
    const appKey = appBudgetKey(h.emu.sandbox.devKey);
    const limiter = (d: Db) => new Limiter(billSpec.id, limits, timers, shared ? { budget: databaseBudget(d), appKey } : undefined);
    const processes = [limiter(db), limiter(second)];
    const made: Record<string, number> = {};
    const parked: Record<string, ConnectorError> = {};
    await Promise.all(orgs.map(async (orgId, i) => {
      const store = new MemoryCredentialStore<BillCredentials>({ ...h.emu.sandbox, organizationId: orgId });
      const org = h.client({ credentials: store, limiter: processes[i < 2 ? 0 : 1]! }).forOrg(orgId);
      made[orgId] = 0;
      for (;;) {
        try {
          for await (const page of org.iterateVendors()) {
            void page;
            break;
          }
          made[orgId] += 1;
        } catch (e) {
          if (e instanceof ConnectorError && e.code === 'MLC_ERR_DAILY_LIMIT') {
            parked[orgId] = e;
            return;
          }
          throw e;
        }
        if (made[orgId] > 200) throw new Error('never parked');
      }
    }));
    const allowance = (await control('allowance')) as AllowanceView;
    const windows = allowance.devKeys[h.emu.sandbox.devKey] ?? [];
    return { orgs, made, parked, windows, appKey, now: clock.now(), stats: await h.stats() };
  } finally {
    await h.stop();
  }
}

forEachBackend('shared budget: one BILL developer key across organisations and processes', (b) => {
  const withSecond = async <T>(fn: (second: Db) => Promise<T>): Promise<T> => {
    const second = b.databaseUrl ? await openDatabase({ databaseUrl: b.databaseUrl }) : b.db;
    try {
      return await fn(second);
    } finally {
      if (second !== b.db) await second.close();
    }
  };

  test('counted in the database, the key never draws BDC_1144, and each organisation gets its share before work parks', async () => {
    const r = await withSecond((second) => threeOrganisations(b.db, second, true));
    assert.equal(r.windows.length, 1, 'all within one hour');
    const w = r.windows[0]!;
    assert.equal(w.refused, 0, `BILL refused ${w.refused} calls of the key's hour`);
    assert.equal(r.stats.limitViolations, 0);
    const total = Object.values(r.made).reduce((a, n) => a + n, 0);
    // Bulk work stops at the budget less the interactive reserve (5 %: 3 of 50).
    assert.equal(total, 47, JSON.stringify(r.made));
    // About an equal part each (47 / 3); an organisation may take a few more while another's first
    // call is still on its way (a second process opening its connection), not while it asks.
    for (const org of r.orgs) assert.ok(r.made[org]! >= 12 && r.made[org]! <= 19, JSON.stringify(r.made));
    for (const org of r.orgs) {
      const e = r.parked[org]!;
      assert.ok(e.retryAfterMs !== undefined && e.retryAfterMs > 0 && e.retryAfterMs <= 3_600_000, String(e.retryAfterMs));
    }
    const usage = (await budgetUsage(b.db, { system: 'bill', key: r.appKey }, r.now)).find((u) => u.window === 'hour')!;
    assert.equal(usage.used, 47);
    assert.equal(usage.budget, 50);
  });

  test('counted per process (the budget switched off), the same work draws BDC_1144 refusals', async () => {
    const r = await withSecond((second) => threeOrganisations(b.db, second, false));
    const refused = r.windows.reduce((n, w) => n + w.refused, 0);
    assert.ok(refused > 0, `BILL refused nothing: ${JSON.stringify(r.made)}`);
  });
});
