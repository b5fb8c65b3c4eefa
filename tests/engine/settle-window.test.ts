/**
 * A write that lands after the client gave up on it: BILL's emulator loses the connection of the
 * bulk bill create at once and applies the create 1.5 s later (fault `late_write`). A search made
 * right after the lost answer finds nothing, yet the bills are on their way: the engine keeps their
 * intents for the settle window, reports the bills as pending and creates nothing more; the next run
 * finds them and adopts them. Judged by what the BILL emulator holds and by the calls it counted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachBackend } from '../helpers/db.ts';
import { Sandbox, callsMatching, type Json } from './sandbox-fixture.ts';
import { billFor } from './ledger-views.ts';

forEachBackend('a create that lands after its answer was lost', (backend) => {
  let sb: Sandbox;
  let sent: Json[];

  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 21, xero: { suppliers: 5, bills: 16 }, policy: { settleMs: 6_000 } });
    await sb.faults('bill', { pathPattern: '/bills/bulk$', script: [{ fault: 'late_write', lateMs: 1_500 }] });
    await sb.resetStats();
  });
  after(() => sb?.close());

  test('the run that lost the answer keeps the bills pending and sends no second create', async () => {
    const result = await sb.sync();
    assert.notEqual(result.status, 'failed', JSON.stringify(result.error));
    sent = (await sb.records('bill')).filter((r) => r.status === 'pending');
    assert.ok(sent.length >= 3, `bills in doubt: ${sent.length}`);
    for (const r of sent) {
      assert.equal(r.error_code, 'MLC_ERR_AMBIGUOUS_WRITE');
      assert.match(r.reason, /answer was lost/);
    }
    assert.equal((await sb.idMap('bill')).filter((m) => m.state === 'intent').length, sent.length, 'their intents are kept');
    assert.equal(callsMatching((await sb.stats()).bill, /bills\/bulk/), 1, 'one bulk create sent');
  });

  test('once the write has landed, the next run adopts the bills: one BILL bill each', async () => {
    await sleep(2_000);
    const result = await sb.sync();
    assert.equal(result.status, 'succeeded', JSON.stringify(result.plan.slice(0, 3)));
    assert.equal(result.counts['bill.recovered'], sent.length);
    const org = await sb.billState();
    for (const r of sent) assert.equal(billFor(org, r.source_id).length, 1, r.source_id);
    assert.equal(org.bills.length, sent.length);
    assert.equal(callsMatching((await sb.stats()).bill, /bills\/bulk/), 1, 'still the one bulk create');
    for (const r of sent) assert.equal((await sb.record('bill', r.source_id)).status, 'synced');
    assert.deepEqual((await sb.reconcile()).differences, []);
  });
});
