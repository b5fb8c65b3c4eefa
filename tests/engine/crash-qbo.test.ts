/**
 * kill -9 on BILL → QuickBooks Online never yields a duplicate or a lost record (docs/adr/0003), as
 * crash.test.ts shows for Xero ⇄ BILL. The connector runs as a child process through the real CLI
 * and is SIGKILLed the moment a chosen create reaches the QBO emulator: a vendor, a PurchaseOrder,
 * the Bill a paid PO becomes and a BillPayment, each applied while its answer goes to a dead
 * process. One PO create reaches QBO only after the next process has searched for it in vain and
 * sent it again: every create carries a `requestid` from its intent, the same in every process, so
 * QBO answers the late one with the first answer instead of writing a second PO (with the replay
 * off, this test finds two). Judged by the emulators' own state.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcile } from '../../src/engine/reconcile.ts';
import { syncLink } from '../../src/engine/sync.ts';
import { getLink } from '../../src/store/repos/links.ts';
import { listRecords } from '../../src/store/repos/records.ts';
import { createScratchDatabase, freshPgliteDataDir } from '../helpers/db.ts';
import { CrashRig, type ChildOutcome, type Json, type KillPoint } from './crash-harness.ts';
import {
  assertNoLimitBroken, assertOneBillPaymentEach, assertOnePoEach, assertOneVendorEach, mappedBills, prepareQboCompany, readQboLedgers, usesUnmapped, type QboLedgers,
} from './crash-qbo-checks.ts';

/** A POST to one entity path: a create (or, for a PO, also its close) as the QBO emulator counts it. */
const qboPath = '/v3/company/:realmId';
const post = (entity: string): RegExp => new RegExp(`^POST ${qboPath}/${entity}$`);
const qbo = (entity: string, nth: number, label: string, faults?: Record<string, unknown>): KillPoint => ({ system: 'qbo', endpoint: post(entity), nth, label, ...(faults ? { faults } : {}) });

/** How long the last PO create of the first bills run takes to reach QBO: long past the next run's search and re-create. */
const lateMs = 15_000;

/**
 * In the order a first sync meets them; each point is reached because the run before it left the
 * rest undone (the seed has BILL bills already paid, so the first sync turns POs into Bills and
 * records BillPayments). `lastPo` is the number of POs the run creates.
 */
const syncKills = (lastPo: number): KillPoint[] => [
  qbo('vendor', 2, 'second vendor create (applied, answer lost)'),
  // The connection is lost at once and the write reaches QBO only lateMs later: the next run's
  // search cannot find it, so that run sends the create again, with the same requestid.
  qbo('purchaseorder', lastPo, 'last PurchaseOrder create, which lands late', { script: [...Array(lastPo - 1).fill({ fault: 'none' }), { fault: 'late_write', lateMs }], pathPattern: '/purchaseorder$', methods: ['POST'] }),
  qbo('bill', 1, 'the Bill a paid PO becomes (applied, answer lost, the PO still open)'),
  qbo('billpayment', 1, 'first BillPayment create (applied, answer lost)'),
];

function crashSuite(kind: 'pglite' | 'postgres', serverUrl?: string): void {
  describe(`BILL → QuickBooks Online sync killed with SIGKILL [${kind}]`, () => {
    let rig: CrashRig;
    let dataDir = '';
    let dropDatabase: (() => Promise<void>) | null = null;
    let twinVendorId = '';
    let start: QboLedgers;
    const ledgers = (): Promise<QboLedgers> => readQboLedgers(rig);

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
      rig = await CrashRig.openQbo({ dataDir, databaseUrl, seed: 21, vendors: 6, bills: 24, settings: prepareQboCompany });
      start = await ledgers();
      twinVendorId = start.qboVendors.find((v) => v.DisplayName === start.billVendors[0]!.name)!.Id;
      // Besides the seed's payments, one more bill paid in full and two in two parts, before the first sync.
      const unpaid = mappedBills(start).filter((b) => b.dueAmount === b.amount);
      rig.bill.pay({ billId: unpaid[0]!.id });
      for (const b of unpaid.slice(1, 3)) {
        rig.bill.pay({ billId: b.id, amount: '10.00' });
        rig.bill.pay({ billId: b.id, amount: '5.50' });
      }
      start = await ledgers();
      const paid = mappedBills(start).filter((b) => start.billPayments.some((p) => (p.billPayments as Json[]).some((a) => a.billId === b.id)));
      assert.ok(paid.length >= 4 && mappedBills(start).length < start.billBills.length, `paid bills on mapped accounts and bills on the unmapped one (${paid.length} paid, ${mappedBills(start).length} of ${start.billBills.length} mapped)`);
    });

    after(async () => {
      await rig?.close();
      await dropDatabase?.();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    test('vendors, POs, the Bills paid POs become and BillPayments: one each in QBO after kills on every create', async () => {
      const [vendor, late, bill, payment] = syncKills(mappedBills(start).length);
      for (const point of [vendor!, late!]) assertKilled(await rig.sync(point), point);
      const resent = await rig.sync(bill);
      assertKilled(resent, bill!);
      assert.equal(resent.calls.qbo[`POST ${qboPath}/purchaseorder`], 1, 'before its Bills, the run sent the late PO create again (the others were found)');
      assertKilled(await rig.sync(payment), payment!);
      assertFinished(await rig.sync(), 'sync after the kills');
      // The PO create sent again was answered first; the late one, landing now, must get that answer replayed.
      await lateWriteLanded(rig);
      const l = await ledgers();
      const poOf = assertOnePoEach(l, assertOneVendorEach(l, twinVendorId, 'after the killed syncs'), 'after the killed syncs');
      const { applications } = assertOneBillPaymentEach(l, poOf, 'after the killed syncs');
      assert.ok(applications >= 7, `the seed's payments and the new ones were recorded (${applications})`);
      assert.equal(await intentsLeft(rig), 0, 'no intent is left outstanding');
      await assertNoLimitBroken(rig, 'after every run');
    });

    test('a run after recovery writes nothing; only the unmapped bills need attention; reconcile agrees but for them', async () => {
      const l = await ledgers();
      const rt = await rig.runtime();
      const writes: string[] = [];
      const stop = rig.qbo.ctx.stats.onCall((endpoint) => {
        if (endpoint.startsWith('POST ') && !endpoint.endsWith('/query')) writes.push(endpoint);
      });
      try {
        const link = (await getLink(rt.db, rig.linkName))!;
        const again = await syncLink(rt.deps, link);
        assert.equal(again.error, null, JSON.stringify(again.error));
        assert.deepEqual(writes, [], 'a run after recovery writes nothing to QBO');
        const failed = await listRecords(rt.db, { link: rig.linkName, status: ['failed', 'conflict', 'pending'] });
        const unmapped = l.billBills.filter((b) => usesUnmapped(l, b));
        // Failed by name, and BILL's payments on them waiting for them (pending).
        const waiting = l.billPayments.flatMap((p) => (p.billPayments as Json[]).filter((a) => unmapped.some((b) => b.id === a.billId)).map((a) => `payment ${a.id} pending`));
        assert.deepEqual(
          failed.map((f) => `${f.entity} ${f.source_id} ${f.status}`).sort(),
          [...unmapped.map((b) => `bill ${b.id} failed`), ...waiting].sort(),
          `the only records needing attention are the bills on the unmapped account and their payments: ${JSON.stringify(failed.map((f) => [f.entity, f.source_id, f.status, f.reason]))}`,
        );
        const report = await reconcile(rt.deps, link);
        assert.deepEqual(report.differences.filter((d) => d.kind !== 'missing_in_erp'), [], JSON.stringify(report.differences));
        assert.deepEqual(report.differences.map((d) => d.billId).sort(), unmapped.map((b) => b.id).sort(), 'only the bills on the unmapped account are missing');
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
else describe('BILL → QuickBooks Online sync killed with SIGKILL [postgres]', () => test('PostgreSQL back-end', { skip: 'MLC_TEST_DATABASE_URL is not set (run through `npm test`)' }, () => undefined));

function assertKilled(outcome: ChildOutcome, point: KillPoint): void {
  assert.equal(outcome.signal, 'SIGKILL', `the run was killed at the ${point.label} (it ended with code ${outcome.code}: ${outcome.stderr.slice(0, 1000)} ${outcome.stdout.slice(0, 1000)})`);
}

/** A finished run: it stopped for nothing; the bills on the unmapped account leave it partial (exit code 1), and nothing else fails. */
function assertFinished(outcome: ChildOutcome, what: string): void {
  const [result] = JSON.parse(outcome.stdout || '[{}]');
  assert.ok(outcome.code === 0 || (outcome.code === 1 && result.status === 'partial'), `${what} exits 0, or 1 for the unmapped bills: ${outcome.stderr.slice(0, 2000)} ${outcome.stdout.slice(0, 2000)}`);
  assert.equal(result.error, null, `${what}: ${JSON.stringify(result).slice(0, 2000)}`);
  const failures = Object.entries(result.counts as Record<string, number>).filter(([k, n]) => /\.(fail|conflict)$/.test(k) && k !== 'bill.fail' && n > 0);
  assert.deepEqual(failures, [], `${what}: nothing fails but the unmapped bills`);
}

/** Waits until QBO has nothing in flight: the late PO create has landed (it holds its concurrency slot until then). */
async function lateWriteLanded(rig: CrashRig): Promise<void> {
  const deadline = Date.now() + lateMs + 10_000;
  while (Object.values(rig.qbo.ctx.stats.snapshot().inFlight).some((n) => n > 0)) {
    assert.ok(Date.now() < deadline, 'the late PO create lands');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(rig.qbo.ctx.stats.snapshot().faultsInjected.late_write, 1, 'one PO create landed late');
}

async function intentsLeft(rig: CrashRig): Promise<number> {
  const rt = await rig.runtime();
  try {
    return (await rt.db.query<{ n: number }>("select count(*)::int as n from id_map where state = 'intent'")).rows[0]!.n;
  } finally {
    await rt.close();
  }
}
