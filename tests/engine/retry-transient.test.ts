/**
 * Records that failed for a cause that passes by itself (BILL answering server errors to every
 * bulk bill create) are tried again by the next plain syncs, without anyone running replay: on the
 * policy's schedule, with a wait after each failure, and only up to its cap, after which they are
 * left for a person. Judged by what the BILL emulator holds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { Sandbox, type Json } from './sandbox-fixture.ts';
import { accpay, billFor, eligible } from './ledger-views.ts';

const bulkBillsFail = { serverErrorRate: 1, pathPattern: '/bills/bulk$' };

async function failedBills(sb: Sandbox): Promise<Json[]> {
  return (await sb.records('bill')).filter((r) => r.status === 'failed');
}

forEachBackend('failed records with a transient cause', (backend) => {
  describe('with the default schedule', () => {
    let sb: Sandbox;
    let wanted: Json[];
    before(async () => {
      sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 11, linkName: 'retry-default', xero: { suppliers: 5, bills: 16 } });
      wanted = accpay(await sb.xeroState()).filter(eligible);
      assert.ok(wanted.length >= 4, `eligible bills: ${wanted.length}`);
    });
    after(() => sb?.close());

    test('a run whose bill creates BILL answers with server errors leaves them failed with MLC_ERR_SERVER', async () => {
      await sb.faults('bill', bulkBillsFail);
      const result = await sb.sync();
      assert.equal(result.status, 'partial');
      assert.equal((await sb.billState()).bills.length, 0);
      const failed = await failedBills(sb);
      assert.equal(failed.length, wanted.length);
      for (const r of failed) assert.equal(r.error_code, 'MLC_ERR_SERVER');
      assert.equal(result.counts['retry.records'], undefined, 'a run never retries what it failed itself');
    });

    test('the next plain sync tries them again by itself and creates each once', async () => {
      await sb.faults('bill', {});
      const result = await sb.sync();
      assert.equal(result.status, 'succeeded', JSON.stringify(result.plan.slice(0, 3)));
      assert.equal(result.counts['retry.records'], wanted.length);
      const org = await sb.billState();
      for (const inv of wanted) assert.equal(billFor(org, inv.InvoiceID).length, 1, inv.InvoiceNumber);
      assert.equal(org.bills.length, wanted.length);
      assert.deepEqual(await failedBills(sb), []);
    });
  });

  describe('with a wait after the second failure and a cap', () => {
    let sb: Sandbox;
    let wanted: Json[];
    before(async () => {
      sb = await Sandbox.open(backend.db, backend.dataDir, {
        seed: 12, linkName: 'retry-capped', xero: { suppliers: 5, bills: 16 }, policy: { retryAfterMs: [0, 3_600_000] },
      });
      wanted = accpay(await sb.xeroState()).filter(eligible);
      await sb.faults('bill', bulkBillsFail);
    });
    after(() => sb?.close());

    test('a second faulty run retries them once more; the next run waits out the hour instead of retrying', async () => {
      assert.equal((await sb.sync()).status, 'partial');
      // Only the server errors are retried; a bill that failed for a data cause waits for replay.
      const failed = await failedBills(sb);
      const transient = new Set(failed.filter((r) => r.error_code === 'MLC_ERR_SERVER').map((r) => r.source_id));
      const dataCause = failed.filter((r) => !transient.has(r.source_id));
      wanted = wanted.filter((i) => transient.has(i.InvoiceID));
      assert.ok(wanted.length >= 3 && wanted.length === transient.size, `transient failures: ${transient.size}, of them eligible: ${wanted.length}`);
      const second = await sb.sync();
      // A bill the delta reads again anyway (its change time is the cursor's) is tried by the delta
      // step instead; either way each transient failure was tried once more.
      assert.ok((second.counts['retry.records'] ?? 0) >= wanted.length - 1, `retried: ${second.counts['retry.records']}`);
      for (const r of await failedBills(sb)) assert.equal(r.attempts, transient.has(r.source_id) ? 2 : 1, `${r.source_id} ${r.error_code}`);
      for (const r of dataCause) assert.equal((await sb.record('bill', r.source_id)).attempts, 1, 'a data cause is not retried');
      await sb.faults('bill', {});
      const third = await sb.sync();
      assert.equal(third.counts['retry.records'], undefined, 'inside the wait after the second failure');
      // Nothing is retried while the wait runs; only a bill the delta reads again anyway (its change
      // time is the cursor's) may go through the delta step.
      assert.ok((await sb.billState()).bills.length <= 1, 'nothing retried while the wait runs');
      assert.ok((await failedBills(sb)).length >= wanted.length - 1);
    });

    test('replay still brings them across at once, each once', async () => {
      const result = await sb.replay({ failed: true });
      assert.notEqual(result.status, 'failed');
      const org = await sb.billState();
      for (const inv of wanted) assert.equal(billFor(org, inv.InvoiceID).length, 1, inv.InvoiceNumber);
      assert.equal(org.bills.length, wanted.length);
    });
  });

  describe('past the cap', () => {
    let sb: Sandbox;
    before(async () => {
      sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 13, linkName: 'retry-past-cap', xero: { suppliers: 4, bills: 10 }, policy: { retryAfterMs: [0] } });
      await sb.faults('bill', bulkBillsFail);
    });
    after(() => sb?.close());

    test('a record that failed more times than the schedule has waits for a person', async () => {
      await sb.sync();
      const second = await sb.sync();
      assert.ok((second.counts['retry.records'] ?? 0) > 0, 'the first failure is retried');
      await sb.faults('bill', {});
      const third = await sb.sync();
      assert.equal(third.counts['retry.records'], undefined, 'two failures: past a schedule of one retry');
      assert.equal((await sb.billState()).bills.length, 0);
      const transient = (await failedBills(sb)).filter((r) => r.error_code === 'MLC_ERR_SERVER');
      assert.ok(transient.length > 0 && transient.every((r) => r.attempts === 2), JSON.stringify(transient.map((r) => r.attempts)));
    });
  });
});
