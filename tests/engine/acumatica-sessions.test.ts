/**
 * Acumatica's session and licence rules met by a whole sync run through the engine, over real HTTP
 * on both back-ends: a cookie session that ends mid-run (idled out on the emulator clock, or ended
 * on the server) is signed in again and the run completes with one BILL bill per released bill;
 * the licence's API-user cap filled by another client's sessions left signed in fails the run with
 * an error naming the cap, and the run succeeds once those seats free; forced 429s are waited out
 * within the retry limits. Judged by the emulators' own state.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { AcumaticaSandbox, control } from '../helpers/acumatica-sandbox.ts';
import { acumaticaBillOf, assertOneBillEach, assertOnePaymentEach, eligibleAcumaticaBills, readAcumaticaLedgers, type AcumaticaLedgers } from './crash-acumatica-checks.ts';
import type { Json } from '../helpers/emulator-control.ts';

const billList = /^GET \/entity\/Default\/[^/]+\/Bill$/;

forEachBackend('Acumatica ⇄ BILL: sessions and the licence during a run', (backend) => {
  let sb: AcumaticaSandbox;
  let eligible: Json[];
  const ledgers = (): Promise<AcumaticaLedgers> => readAcumaticaLedgers({ acumatica: sb.acu.urls.base, bill: sb.bill.urls.base });
  const logins = async () => (await sb.stats('acumatica')).callsByEndpoint['POST /entity/auth/login'] ?? 0;

  before(async () => {
    sb = await AcumaticaSandbox.open(backend.db, backend.dataDir, { seed: 11, vendors: 12, bills: 40 });
    eligible = eligibleAcumaticaBills(await ledgers());
    assert.ok(eligible.length >= 10, `the seed has released unpaid bills (got ${eligible.length})`);
  });
  after(() => sb?.close());

  test('a session that idles out on the server mid-run is signed in again; the run completes with one BILL bill per released bill', async () => {
    const loginsBefore = await logins();
    // The moment the run asks for its first page of bills, the emulator clock moves past the
    // 20-minute idle timeout: that very call finds its session over (401).
    let moved = false;
    const stop = sb.acu.ctx.stats.onCall((endpoint) => {
      if (!moved && billList.test(endpoint)) {
        moved = true;
        sb.acu.ctx.clock.advance(21 * 60_000);
      }
    });
    let run;
    try {
      run = await sb.sync();
    } finally {
      stop();
    }
    assert.ok(moved, 'the run read bills');
    assert.equal(run.status, 'succeeded', JSON.stringify({ error: run.error, plan: run.plan.slice(0, 5) }));
    assert.equal(await logins(), loginsBefore + 2, 'signed in at the start and once more after the session idled out');
    assertOneBillEach(await ledgers(), eligible, 'after the run whose session idled out');
    assert.equal((await sb.acuState()).liveSessions, 0, 'the run signed its second session out');
  });

  test('a session ended on the server between steps is renewed; BILL payments come back as one released Acumatica payment each', async () => {
    const before = await ledgers();
    const billOf = acumaticaBillOf(before, eligible);
    assert.equal(billOf.size, eligible.length, 'every BILL bill matches a released Acumatica bill');
    for (const [i, b] of before.billBills.entries()) if (i % 4 === 0) await sb.pay(b.id);
    const loginsBefore = await logins();
    // The payments step reads the bills it pays: end every session the moment it does.
    let ended = false;
    const stop = sb.acu.ctx.stats.onCall((endpoint) => {
      if (!ended && billList.test(endpoint)) {
        ended = true;
        sb.acu.state.sessions.endAll();
      }
    });
    let run;
    try {
      run = await sb.sync();
    } finally {
      stop();
    }
    assert.ok(ended);
    assert.equal(run.status, 'succeeded', JSON.stringify({ error: run.error, plan: run.plan.slice(0, 5) }));
    assert.equal(await logins(), loginsBefore + 2, 'one sign-in more after the session was ended');
    const { applications } = assertOnePaymentEach(await ledgers(), billOf, 'after the run whose session was ended');
    assert.equal(applications, Math.ceil(before.billBills.length / 4));
    assert.equal((await sb.acuState()).liveSessions, 0);
  });

  test('the API-user cap filled by sessions another client left signed in fails the run naming the cap; it succeeds once the seats free', async () => {
    const cap = (await sb.acuState()).licence.apiUsers as number;
    const other = sb.acu.sandbox;
    for (let i = 0; i < cap; i += 1) {
      const res = await fetch(sb.acu.urls.login, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: other.name, password: other.password, tenant: other.tenant, branch: other.branch }) });
      assert.equal(res.status, 204, 'another client signs in and never signs out');
    }
    const billsBefore = (await ledgers()).billBills.length;
    const refused = await sb.sync();
    assert.equal(refused.status, 'failed', JSON.stringify(refused));
    assert.equal(refused.error?.code, 'MLC_ERR_RATE_LIMITED', JSON.stringify(refused.error));
    assert.match(refused.error!.message, /API-user seat/);
    assert.match(refused.error!.message, /API Login Limit/);
    assert.ok(!refused.error!.message.includes(other.password), 'no password in the error');
    assert.equal((await sb.stats('acumatica')).rejections['acumatica.api-users'], 1, 'one sign-in refused, not retried');
    assert.equal((await ledgers()).billBills.length, billsBefore, 'nothing was written');
    // Sessions not signed out keep their seats until they idle out (20 minutes on the emulator clock).
    sb.acu.ctx.clock.advance(21 * 60_000);
    const run = await sb.sync();
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.equal((await sb.acuState()).liveSessions, 0);
  });

  test('forced 429s are waited out within the retry limits and the run completes; no limit was broken', async () => {
    await control(sb.acu.urls.base, 'POST', '/stats/reset', {});
    // A new released bill, so the run writes as well as reads.
    const vendor = eligible[0]!.Vendor;
    await control(sb.acu.urls.base, 'POST', '/bills', { record: { Type: { value: 'Bill' }, Vendor: { value: vendor }, VendorRef: { value: 'INV-429' }, Date: { value: '2025-03-20' }, Hold: { value: false }, Amount: { value: 120.5 }, Details: [{ Account: { value: '51000' }, Subaccount: { value: '100000' }, Amount: { value: 120.5 }, TransactionDescription: { value: 'Service' } }] } });
    const saved = (await ledgers()).acuBills.find((b) => b.VendorRef === 'INV-429')!;
    await control(sb.acu.urls.base, 'POST', '/documents/ReleaseBill', { type: 'Bill', referenceNbr: saved.ReferenceNbr });
    const forced = 2;
    await control(sb.acu.urls.base, 'POST', '/licence', { force429: forced });
    const run = await sb.sync();
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    const stats = await sb.stats('acumatica');
    assert.equal(stats.rejections['acumatica.forced'], forced, 'every forced 429 was met');
    assert.equal(stats.limitViolations, 0);
    assert.equal((await sb.acuState()).licence.forced429, 0);
    const after = await ledgers();
    const released = eligibleAcumaticaBills(after).find((b) => b.VendorRef === 'INV-429');
    assert.ok(released, 'the new bill is released and unpaid');
    assert.equal(after.billBills.filter((b) => b.invoice.invoiceNumber === 'INV-429').length, 1, 'the new bill reached BILL once');
    const report = await sb.reconcile();
    assert.deepEqual(report.differences, []);
  });
});
