/**
 * kill -9 on Acumatica ⇄ BILL never yields a duplicate or a lost record (docs/adr/0003), as
 * crash.test.ts shows for Xero ⇄ BILL. The connector runs as a child process through the real CLI
 * and is SIGKILLed the moment a chosen request reaches an emulator: mid bill create in BILL
 * (applied, answer lost), and on the way back mid Check saves, mid release and mid recovery
 * of a payment left unreleased. Cookie sessions of killed runs are never signed out: the next run
 * must reuse the stored session rather than fill the licence's API-user seats. Judged by the
 * emulators' own state.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcile } from '../../src/engine/reconcile.ts';
import { syncLink } from '../../src/engine/sync.ts';
import { getLink } from '../../src/store/repos/links.ts';
import { createScratchDatabase, freshPgliteDataDir } from '../helpers/db.ts';
import { control } from '../helpers/emulator-control.ts';
import { CrashRig, type ChildOutcome, type Json, type KillPoint } from './crash-harness.ts';
import { acumaticaBillOf, assertOneBillEach, assertOnePaymentEach, eligibleAcumaticaBills, readAcumaticaLedgers, type AcumaticaLedgers } from './crash-acumatica-checks.ts';

const bill = (endpoint: RegExp, nth: number, label: string): KillPoint => ({ system: 'bill', endpoint, nth, label });
const acu = (endpoint: RegExp, nth: number, label: string, faults?: Record<string, unknown>): KillPoint => ({ system: 'acumatica', endpoint, nth, label, ...(faults ? { faults } : {}) });

const checkPut = /^PUT \/entity\/Default\/[^/]+\/Check$/;
const release = /^POST \/entity\/Default\/[^/]+\/Check\/ReleaseCheck$/;

/**
 * The write of a first sync from an empty BILL that matters most here: the bills (applied, answer
 * lost). Vendor creates are the step every ERP → BILL pair shares, killed in crash.test.ts.
 */
const syncKills: KillPoint[] = [bill(/^POST \/connect\/v3\/bills\/bulk$/, 1, 'bulk bill create (applied, answer lost)')];

/**
 * Each follows from what the kill before it left behind. Few on purpose: every run is a process
 * start; the kinds of kill that are the same on every pair (mid-batch, between steps) are in crash.test.ts.
 */
const paymentKills: KillPoint[] = [
  // Check saves that hang are dropped unprocessed: the kill lands while nothing reached Acumatica.
  acu(checkPut, 1, 'first Check save, which never reaches Acumatica', { timeoutRate: 1, hangMs: 2000, pathPattern: '/Check(\\?|$)', methods: ['PUT'] }),
  acu(checkPut, 1, 'Check save after the search found nothing (applied, answer lost: saved, never released)'),
  acu(release, 1, 'release of the unreleased Check the search by reference found'),
];

function crashSuite(kind: 'pglite' | 'postgres', serverUrl?: string): void {
  describe(`Acumatica ⇄ BILL sync killed with SIGKILL [${kind}]`, () => {
    let rig: CrashRig;
    let dataDir = '';
    let dropDatabase: (() => Promise<void>) | null = null;
    let eligible: Json[] = [];
    const ledgers = (): Promise<AcumaticaLedgers> => readAcumaticaLedgers({ acumatica: rig.acumatica.urls.base, bill: rig.bill.urls.base });

    before(async () => {
      let databaseUrl: string | undefined;
      if (kind === 'postgres') {
        dataDir = mkdtempSync(join(tmpdir(), 'mlc-crash-'));
        const scratch = await createScratchDatabase(serverUrl!, 'mlc_crash');
        dropDatabase = scratch.drop;
        databaseUrl = scratch.url;
      } else {
        dataDir = await freshPgliteDataDir();
      }
      rig = await CrashRig.openAcumatica({ dataDir, databaseUrl, seed: 11, vendors: 12, bills: 40 });
      eligible = eligibleAcumaticaBills(await ledgers());
      assert.ok(eligible.length >= 10, `the seed gives released unpaid bills (got ${eligible.length})`);
    });

    after(async () => {
      await rig?.close();
      await dropDatabase?.();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    test('bills: one BILL bill per released Acumatica bill, equal totals, sessions of killed runs reused', async () => {
      for (const point of syncKills) assertKilled(await rig.sync(point), point);
      const last = await rig.sync();
      assertFinished(last, 'sync after the kills');
      assertOneBillEach(await ledgers(), eligible, 'after the killed syncs');
      assert.equal(last.calls.acumatica['POST /entity/auth/login'] ?? 0, 0, 'the last run reused the session the killed ones kept');
      const state = await control(rig.acumatica.urls.base, 'GET', '/state');
      assert.equal(state.liveSessions, 0, 'the finished run signed the shared session out');
      assert.equal((await control(rig.acumatica.urls.base, 'GET', '/stats')).rejections['acumatica.api-users'] ?? 0, 0, 'no sign-in found the seats taken');
    });

    test('payments back: one released Acumatica payment per BILL payment application, balances follow, reconcile agrees', async () => {
      const before = await ledgers();
      const billOf = acumaticaBillOf(before, eligible);
      assert.equal(billOf.size, before.billBills.length, 'every BILL bill matches a released Acumatica bill');
      // A few bills paid in full, a few in two parts, the rest left unpaid.
      before.billBills.slice(0, 3).forEach((b) => rig.bill.pay({ billId: b.id }));
      before.billBills.slice(3, 5).forEach((b) => {
        rig.bill.pay({ billId: b.id, amount: '10.00' });
        rig.bill.pay({ billId: b.id, amount: '5.50' });
      });
      for (const point of paymentKills) assertKilled(await rig.sync(point), point);
      const last = await rig.sync();
      assertFinished(last, 'sync after the killed payment runs');
      const { applications } = assertOnePaymentEach(await ledgers(), billOf, 'after the killed payment runs');
      assert.equal(applications, 7);
      assert.equal(last.calls.acumatica['POST /entity/auth/login'] ?? 0, 0, 'the last run reused the session the killed ones kept');
      const stats = await control(rig.acumatica.urls.base, 'GET', '/stats');
      assert.equal(stats.limitViolations, 0, 'Acumatica saw no limit broken');
      assert.equal((await control(rig.bill.urls.base, 'GET', '/stats')).limitViolations, 0, 'BILL saw no limit broken');
      assert.equal(stats.rejections['acumatica.api-users'] ?? 0, 0, 'no sign-in found the seats taken');
      // One more run (in this process, after the last child) writes nothing, and reconcile agrees.
      const rt = await rig.runtime();
      const writes: string[] = [];
      const stop = rig.acumatica.ctx.stats.onCall((endpoint) => {
        if (/^(PUT|POST|PATCH|DELETE) \/entity\/Default\//.test(endpoint)) writes.push(endpoint);
      });
      try {
        const link = (await getLink(rt.db, rig.linkName))!;
        const again = await syncLink(rt.deps, link);
        assert.equal(again.status, 'succeeded', JSON.stringify(again.error));
        assert.deepEqual(writes, [], 'a run after recovery writes nothing to Acumatica');
        const report = await reconcile(rt.deps, link);
        assert.deepEqual(report.differences, []);
      } finally {
        stop();
        await rt.close();
      }
    });
  });
}

crashSuite('pglite');
const serverUrl = process.env.MLC_TEST_DATABASE_URL;
if (serverUrl) crashSuite('postgres', serverUrl);
else describe('Acumatica ⇄ BILL sync killed with SIGKILL [postgres]', () => test('PostgreSQL back-end', { skip: 'MLC_TEST_DATABASE_URL is not set (run through `npm test`)' }, () => undefined));

function assertKilled(outcome: ChildOutcome, point: KillPoint): void {
  assert.equal(outcome.signal, 'SIGKILL', `the run was killed at the ${point.label} (it ended with code ${outcome.code}: ${outcome.stderr.slice(0, 1000)} ${outcome.stdout.slice(0, 1000)})`);
}

function assertFinished(outcome: ChildOutcome, what: string): void {
  assert.equal(outcome.code, 0, `${what} exits 0: ${outcome.stderr.slice(0, 2000)} ${outcome.stdout.slice(0, 2000)}`);
  const [result] = JSON.parse(outcome.stdout);
  assert.equal(result.status, 'succeeded', `${what}: ${JSON.stringify(result).slice(0, 2000)}`);
}
