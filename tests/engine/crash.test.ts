/**
 * kill -9 at chosen requests never yields a duplicate or a lost record (docs/adr/0003). The
 * connector runs as a child process through the real CLI and is SIGKILLed the moment a chosen
 * request reaches an emulator: mid vendor, account and bill creates (the write is applied, its
 * answer goes to a dead process), between steps, mid payment posts and mid intent recovery. Each
 * next run starts at once (stale PGlite lock and link lease of a dead process are taken over) and
 * the last one finishes; the emulators' own state is then checked.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatMoney, parseMoney } from '../../src/core/money.ts';
import { createScratchDatabase, freshPgliteDataDir } from '../helpers/db.ts';
import { CrashRig, type ChildOutcome, type KillPoint } from './crash-harness.ts';
import { assertOneBillEach, assertOnePaymentEach, eligibleXeroBills, readLedgers, type Ledgers } from './crash-checks.ts';
import type { Json } from './crash-harness.ts';

const bill = (endpoint: RegExp, nth: number, label: string, faults?: Record<string, unknown>): KillPoint => ({ system: 'bill', endpoint, nth, label, ...(faults ? { faults } : {}) });
const xero = (endpoint: RegExp, nth: number, label: string, faults?: Record<string, unknown>): KillPoint => ({ system: 'xero', endpoint, nth, label, ...(faults ? { faults } : {}) });

/** Requests on the path hang and are dropped unprocessed: the kill lands while the write never reached the service. */
const hang = (pathPattern: string) => ({ timeoutRate: 1, hangMs: 2000, pathPattern });

/**
 * One run per point, each killed there, in the order a first sync from an empty BILL meets them.
 * Every point is sure to be reached: each follows from what the kill before it left behind (the
 * engine sends the first page's bulk chunks side by side, so which of them BILL applied before a
 * kill is left to timing only where the next point does not depend on it).
 */
const syncKills: KillPoint[] = [
  bill(/^POST \/connect\/v3\/vendors\/bulk$/, 2, 'second bulk vendor create'),
  bill(/^POST \/connect\/v3\/classifications\/chart-of-accounts\/bulk$/, 1, 'bulk GL account create'),
  bill(/^POST \/connect\/v3\/bills\/bulk$/, 1, 'first bulk bill create, which never reaches BILL', hang('/bills/bulk')),
  bill(/^GET \/connect\/v3\/bills$/, 1, 'search for the bills of the outstanding intents'),
  bill(/^POST \/connect\/v3\/bills\/bulk$/, 1, 'bulk create of the bills not found (applied, answer lost)'),
  bill(/^POST \/connect\/v3\/bills\/bulk$/, 1, 'bulk create of the bills still missing after adopting the last ones'),
  bill(/^GET \/connect\/v3\/payments$/, 1, 'payments step, after the bills were committed'),
];

const paymentKills: KillPoint[] = [
  xero(/^PUT \/api\.xro\/2\.0\/Payments$/, 1, 'first payment batch, which never reaches Xero', hang('/Payments')),
  xero(/^GET \/api\.xro\/2\.0\/Payments$/, 1, 'search by reference for the outstanding payment intents'),
  xero(/^PUT \/api\.xro\/2\.0\/Payments$/, 1, 'payment batch after recovery (applied, answer lost)'),
  xero(/^PUT \/api\.xro\/2\.0\/Payments$/, 2, 'second payment batch of a run'),
];

function crashSuite(kind: 'pglite' | 'postgres', serverUrl?: string): void {
  describe(`sync killed with SIGKILL [${kind}]`, () => {
    let rig: CrashRig;
    let dataDir = '';
    let dropDatabase: (() => Promise<void>) | null = null;
    let eligible: Json[] = [];

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
      rig = await CrashRig.open({ dataDir, databaseUrl, seed: 11, suppliers: 60, bills: 450 });
      eligible = eligibleXeroBills(await readLedgers(rig));
      assert.ok(eligible.length >= 200, `the seed gives hundreds of eligible bills (got ${eligible.length})`);
    });

    after(async () => {
      await rig?.close();
      await dropDatabase?.();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    test('bills: one BILL bill per eligible Xero bill, equal totals, no intents left', async () => {
      const [first, ...rest] = syncKills;
      const killed = await rig.sync(first);
      assertKilled(killed, first!);
      await assertStaleLocks(rig, kind, killed.pid);
      for (const point of rest) assertKilled(await rig.sync(point), point);
      const last = await rig.sync();
      assertFinished(last, 'sync after the kills');
      assertOneBillEach(await readLedgers(rig), eligible, 'after the killed syncs');
      assert.equal(await intentsLeft(rig), 0, 'no intent is left outstanding');
      // A further run finds nothing to create.
      const again = await rig.sync();
      assertFinished(again, 'sync once more');
      assert.equal(writesTo(again, 'bill'), 0, 'a run after recovery writes nothing to BILL');
      assertOneBillEach(await readLedgers(rig), eligible, 'after one more sync');
    });

    test('payments back: one Xero payment per BILL payment application, amounts due follow', async () => {
      const before = await readLedgers(rig);
      const erpBillOf = matchBills(before, eligible);
      let i = 0;
      for (const b of before.billBills) {
        const currency = before.billVendors.get(b.vendorId)?.billCurrency ?? 'USD';
        const due = parseMoney(b.dueAmount, currency);
        if (i % 3 === 0) rig.bill.pay({ billId: b.id });
        if (i % 3 === 1) {
          // Two partial payments: a half, then a quarter of what was due.
          rig.bill.pay({ billId: b.id, amount: formatMoney({ currency, minor: due.minor / 2n }) });
          rig.bill.pay({ billId: b.id, amount: formatMoney({ currency, minor: due.minor / 4n }) });
        }
        i += 1;
      }
      const [hung, searched, recovered, secondBatch] = paymentKills;
      for (const point of [hung!, searched!, recovered!]) assertKilled(await rig.sync(point), point);
      // The run killed at its first batch had every batch in flight, so BILL may have nothing left
      // to post. New payments the dead run never saw make sure the next run posts two batches or more.
      const added = payTheRest(rig, before);
      assert.ok(added > paymentBatchSize, `more than one batch of new payments (got ${added})`);
      assertKilled(await rig.sync(secondBatch!), secondBatch!);
      assertFinished(await rig.sync(), 'sync after the killed payment runs');
      const { applications } = assertOnePaymentEach(await readLedgers(rig), erpBillOf, 'after the killed payment runs');
      assert.ok(applications >= 200, `hundreds of payment applications were checked (got ${applications})`);
      assert.equal(await intentsLeft(rig), 0, 'no intent is left outstanding');
      const reconciled = await rig.runCli(['reconcile', '--link', rig.linkName, '--json']);
      assert.equal(reconciled.code, 0, `reconcile agrees: ${reconciled.stdout.slice(0, 2000)}${reconciled.stderr}`);
      assert.equal(JSON.parse(reconciled.stdout)[0].agree, true);
    });
  });
}

crashSuite('pglite');
const serverUrl = process.env.MLC_TEST_DATABASE_URL;
if (serverUrl) crashSuite('postgres', serverUrl);
else describe('sync killed with SIGKILL [postgres]', () => test('PostgreSQL back-end', { skip: 'MLC_TEST_DATABASE_URL is not set (run through `npm test`)' }, () => undefined));

/** Xero payments per batched PUT (src/engine/steps/payments.ts). */
const paymentBatchSize = 50;

/** Pays what is left of every bill paid in part, and every bill not paid yet; returns the applications added. */
function payTheRest(rig: CrashRig, ledgers: Ledgers): number {
  let added = 0;
  ledgers.billBills.forEach((b, i) => {
    if (i % 3 === 0) return;
    rig.bill.pay({ billId: b.id });
    added += 1;
  });
  return added;
}

function assertKilled(outcome: ChildOutcome, point: KillPoint): void {
  assert.equal(outcome.signal, 'SIGKILL', `the run was killed at the ${point.label} (it ended with code ${outcome.code}: ${outcome.stderr.slice(0, 1000)} ${outcome.stdout.slice(0, 1000)})`);
}

function assertFinished(outcome: ChildOutcome, what: string): void {
  assert.equal(outcome.code, 0, `${what} exits 0: ${outcome.stderr.slice(0, 2000)} ${outcome.stdout.slice(0, 2000)}`);
  const [result] = JSON.parse(outcome.stdout);
  assert.equal(result.status, 'succeeded', `${what}: ${JSON.stringify(result).slice(0, 2000)}`);
}

const writesTo = (outcome: ChildOutcome, system: 'bill' | 'xero'): number =>
  Object.entries(outcome.calls[system]).filter(([endpoint]) => /^(POST|PUT|PATCH|DELETE) /.test(endpoint) && !/\/login$/.test(endpoint)).reduce((n, [, c]) => n + c, 0);

/**
 * A killed run leaves its link lease (and, on PGlite, the data directory's pid lock) behind; the
 * next process takes both over at once because their owner is dead, instead of waiting out the
 * lease's time to live (src/store/repos/leases.ts).
 */
async function assertStaleLocks(rig: CrashRig, kind: 'pglite' | 'postgres', deadPid: number): Promise<void> {
  if (kind === 'pglite') assert.equal(readFileSync(join(rig.dataDir, 'pglite.lock'), 'utf8').trim(), String(deadPid), 'the killed run left its pid lock');
  const rt = await rig.runtime();
  try {
    const { rows } = await rt.db.query<{ owner: string }>("select value->>'owner' as owner from kv where key = $1", [`lease:link:${rig.linkName}`]);
    assert.equal(rows[0]?.owner, `${hostname()}:${deadPid}`, 'the killed run left its link lease');
  } finally {
    await rt.close();
  }
}

async function intentsLeft(rig: CrashRig): Promise<number> {
  const rt = await rig.runtime();
  try {
    return (await rt.db.query<{ n: number }>("select count(*)::int as n from id_map where state = 'intent'")).rows[0]!.n;
  } finally {
    await rt.close();
  }
}

/** BILL bill id → Xero InvoiceID, matched by vendor name, invoice number and amount (the emulators' view, not the connector's). */
function matchBills(ledgers: Ledgers, eligibleBills: readonly Json[]): Map<string, string> {
  const k = (name: string, number: string, amount: number) => `${name.trim().toLowerCase()}|${number.trim().toLowerCase()}|${amount}`;
  const pool = new Map<string, string[]>();
  for (const i of eligibleBills) {
    const key = k(i.Contact.Name, i.InvoiceNumber ?? '', i.Total);
    pool.set(key, [...(pool.get(key) ?? []), i.InvoiceID]);
  }
  const out = new Map<string, string>();
  for (const b of ledgers.billBills) {
    const id = pool.get(k(ledgers.billVendors.get(b.vendorId)?.name ?? '', b.invoice.invoiceNumber, b.amount))?.shift();
    assert.ok(id, `BILL bill ${b.id} matches an eligible Xero bill`);
    out.set(b.id, id);
  }
  return out;
}
