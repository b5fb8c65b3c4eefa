/**
 * Bulk creates go out several chunks at a time (three in flight at BILL, five batches at Xero). When
 * one chunk's answer is lost while its siblings are still on their way, the records of every chunk
 * may already exist, or may be about to: the engine must not search the target and create again
 * before every sibling has answered. Each case cuts off the first answer and holds the next two back
 * 4 s (emulator fault script, docs/emulators/*.md "Faults"), then judges the emulators' own state:
 * exactly one target record per source record, and reconcile agreeing.
 *
 * Sizes: a held sibling's write is applied at once, so a search only misses records when a chunk is
 * still unsent (more chunks than requests in flight: the vendor case sends five) or when the cut-off
 * write itself lands late (the second bill case; one Xero page of 1,000 bills gives three chunks).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from '../../src/core/clock.ts';
import { billSpec } from '../../src/systems/bill/spec.ts';
import { forEachBackend } from '../helpers/db.ts';
import { Sandbox, type Json } from './sandbox-fixture.ts';
import { accpay, billFor, eligible } from './ledger-views.ts';
import type { RunResult } from '../../src/engine/sync.ts';

const holdMs = 4_000;
const cutFirstHoldTwo = [{ fault: 'lost_response' }, { fault: 'hold', holdMs }, { fault: 'hold', holdMs }];

/**
 * Syncs once, and once more if the first run left work for later (partial); then waits until every
 * held answer is due, so a chunk a run left behind still in flight has landed before state is judged.
 */
async function syncThrough(sb: Sandbox, faultsSetAt: number): Promise<RunResult[]> {
  const runs = [await sb.sync()];
  if (runs[0]!.status === 'partial') runs.push(await sb.sync());
  const wait = faultsSetAt + holdMs + 1_500 - Date.now();
  if (wait > 0) await sleep(wait);
  return runs;
}

const describeRuns = (runs: RunResult[]): string => JSON.stringify(runs.map((r) => ({ status: r.status, error: r.error, counts: r.counts, plan: r.plan.slice(0, 5) })));

function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of items) out.set(key(t), (out.get(key(t)) ?? 0) + 1);
  return out;
}

forEachBackend('lost bulk answers while sibling chunks are in flight', (backend) => {
  describe('BILL /vendors/bulk', () => {
    let sb: Sandbox;
    // 100 suppliers go to BILL in 20-vendor chunks (billSpec.batchCaps.vendors): five of them, three in flight.
    before(async () => {
      sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 61, linkName: 'lost-vendors', xero: { suppliers: 100, bills: 400 } });
    });
    after(() => sb?.close());

    test('the first chunk answer lost and the next two held 4 s: exactly one BILL vendor per Xero supplier', async () => {
      const suppliers: Json[] = (await sb.xeroState()).contacts.filter((c: Json) => c.IsSupplier);
      assert.ok(suppliers.length > 2 * billSpec.batchCaps.vendors, `at least three vendor chunks (${suppliers.length} suppliers)`);
      await sb.faults('bill', { pathPattern: '/vendors/bulk', script: cutFirstHoldTwo });
      const runs = await syncThrough(sb, Date.now());
      const stats = await sb.stats();
      assert.equal(stats.bill.faultsInjected.lost_response, 1, 'the cut-off answer happened');
      assert.equal(stats.bill.faultsInjected.hold, 2, 'both held answers happened');

      const org = await sb.billState();
      const byName = countBy(org.vendors as Json[], (v) => v.name);
      const twice = [...byName].filter(([, n]) => n > 1);
      assert.deepEqual(twice, [], `BILL vendors created more than once (${twice.length} names, ${org.vendors.length} vendors for ${suppliers.length} suppliers); runs: ${describeRuns(runs)}`);
      for (const s of suppliers) assert.equal(byName.get(s.Name), 1, s.Name);
      assert.equal(org.vendors.length, suppliers.length);
      assert.equal(runs.at(-1)!.status, 'succeeded', describeRuns(runs));
      assert.deepEqual((await sb.reconcile()).differences, []);
    });
  });

  /**
   * About 500 eligible bills, all on one 1,000-bill Xero page, go to BILL in 200-bill chunks
   * (billSpec.batchCaps.bills): three of them, sent side by side.
   */
  const billsCase = (title: string, seed: number, script: Json[], faults: Record<string, number>) =>
    describe(`BILL /bills/bulk: ${title}`, () => {
      let sb: Sandbox;
      let wanted: Json[];
      before(async () => {
        sb = await Sandbox.open(backend.db, backend.dataDir, { seed, linkName: `lost-bills-${seed}`, xero: { suppliers: 30, bills: 1000 } });
        wanted = accpay(await sb.xeroState()).filter(eligible);
      });
      after(() => sb?.close());

      test(`${title}: exactly one BILL bill per eligible Xero bill`, async () => {
        assert.ok(wanted.length > 2 * billSpec.batchCaps.bills, `at least three bill chunks (${wanted.length} eligible bills)`);
        await sb.faults('bill', { pathPattern: '/bills/bulk', script });
        const runs = await syncThrough(sb, Date.now());
        const stats = await sb.stats();
        for (const [kind, n] of Object.entries(faults)) assert.equal(stats.bill.faultsInjected[kind], n, `${kind} happened ${n} times`);

        const org = await sb.billState();
        const twice = wanted.filter((inv) => billFor(org, inv.InvoiceID).length > 1);
        const missing = wanted.filter((inv) => billFor(org, inv.InvoiceID).length === 0);
        assert.deepEqual(
          { twice: twice.length, missing: missing.length },
          { twice: 0, missing: 0 },
          `${org.bills.length} BILL bills for ${wanted.length} eligible Xero bills; runs: ${describeRuns(runs)}`,
        );
        assert.equal(org.bills.length, wanted.length);
        assert.equal(runs.at(-1)!.status, 'succeeded', describeRuns(runs));
        assert.deepEqual((await sb.reconcile()).differences, []);
      });
    });

  billsCase('the first chunk answer lost and the next two held 4 s', 62, cutFirstHoldTwo, { lost_response: 1, hold: 2 });
  // The cut-off write itself reaches BILL 2 s late: a search made before the held siblings answered
  // would miss it and create its bills again.
  billsCase('the first chunk cut off and written 2 s late, the next two held 4 s', 64, [{ fault: 'late_write', lateMs: 2_000 }, ...cutFirstHoldTwo.slice(1)], { late_write: 1, hold: 2 });

  describe('Xero PUT /Payments', () => {
    let sb: Sandbox;
    const paid: Json[] = [];
    before(async () => {
      sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 63, linkName: 'lost-payments', xero: { suppliers: 20, bills: 400 } });
      const first = await sb.sync();
      assert.equal(first.status, 'succeeded', JSON.stringify(first.error));
      // 160 payments post in batches of 50: four PUT /Payments calls side by side.
      const linked = await sb.idMap('bill');
      assert.ok(linked.length >= 160, `bills in BILL: ${linked.length}`);
      for (const row of linked.slice(0, 160)) paid.push(await sb.pay(row.target_id));
    });
    after(() => sb?.close());

    test('the first batch answer lost and the next two held 4 s: exactly one Xero payment per BILL payment application', async () => {
      await sb.faults('xero', { pathPattern: '/Payments$', methods: ['PUT'], script: cutFirstHoldTwo });
      const runs = await syncThrough(sb, Date.now());
      const stats = await sb.stats();
      assert.equal(stats.xero.faultsInjected.lost_response, 1, `the cut-off answer happened: ${JSON.stringify({ calls: stats.xero.callsByEndpoint, runs: describeRuns(runs) })}`);
      assert.equal(stats.xero.faultsInjected.hold, 2, 'both held answers happened');

      const posted: Json[] = (await sb.xeroState()).payments.filter((p: Json) => /^BILL /.test(p.Reference ?? '') && p.Status !== 'DELETED');
      const byReference = countBy(posted, (p) => p.Reference);
      const expected = paid.flatMap((p) => p.billPayments.map((a: Json) => `BILL ${p.id} ${a.id}`));
      assert.deepEqual([...byReference].filter(([, n]) => n > 1), [], `payments posted twice; runs: ${describeRuns(runs)}`);
      assert.deepEqual([...byReference.keys()].sort(), expected.sort());
      assert.equal(runs.at(-1)!.status, 'succeeded', describeRuns(runs));
      assert.deepEqual((await sb.reconcile()).differences, []);
    });
  });
});
