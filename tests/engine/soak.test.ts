/**
 * Soak: hundreds of bills and payments through several syncs while both emulators lose answers,
 * hold answers back, apply writes after the client gave up, answer 5xx, refuse bursts of calls as
 * over the rate limit and expire tokens and sessions (seeded, through POST /_emulator/faults; see
 * docs/emulators/*.md "Faults"). BILL bills are paid between syncs. Then the faults stop and a few
 * clean syncs let anything the engine left in doubt settle. Judged by the emulators' own state: no
 * record twice, none lost, reconcile agreeing, no limit broken, and every kind of fault was met.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from '../../src/core/clock.ts';
import { formatMoney } from '../../src/core/money.ts';
import type { RunResult } from '../../src/engine/sync.ts';
import { forEachBackend } from '../helpers/db.ts';
import { Sandbox, type Json } from './sandbox-fixture.ts';
import { accpay, billFor, eligible, minor } from './ledger-views.ts';

/**
 * A create whose answer was lost may still land for this long (late writes below land within
 * lateMs); the engine keeps such intents instead of creating again (EnginePolicy.settleMs). Records
 * that failed for a transient cause are tried again by every later run.
 */
const settleMs = 2_500;
const policy = { settleMs, retryAfterMs: Array.from({ length: 20 }, () => 0) };
const faultedSyncs = 6;
const paidPerRound = 30;
/** New Xero bills (two of them from new suppliers) before each faulted sync, so every run creates under faults. */
const newBillsPerRound = 40;

const common = {
  serverErrorRate: 0.05,
  lostResponseRate: 0.06,
  holdResponseRate: 0.08,
  holdMs: 1_000,
  lateWriteRate: 0.06,
  lateMs: 700,
  expireAuthRate: 0.02,
};
// BILL's BDC_1322 is answered with backoff, so bursts may come at any call (and one comes first).
const billFaults = (seed: number) => ({ ...common, seed, expireAuthNow: true, rateLimitBurst: 2, rateLimitBurstRate: 0.02, burstLength: 2 });
// Xero's injected 429 carries the rest of the tenant's minute as Retry-After: one refusal comes at the
// start of the run, once the clock stands 3 s before the end of that minute (see beforeSync); a
// second one would fall in the next minute and wait all of it. Xero sees few calls (pages of
// 1,000, batches of 50), so its late-write share is higher for that kind to be met.
const xeroFaults = (seed: number) => ({ ...common, seed: seed + 1, lateWriteRate: 0.1, expireAuthNow: true, rateLimitBurst: 1 });
/**
 * Every other run on each side aims at the creates, where a lost answer can become a duplicate: BILL's bulk
 * vendor and bill creates and Xero's payment batches lose, hold back or apply late a large share of
 * their calls (their siblings still in flight), and every other call goes through untouched.
 */
const bulkFaults = { serverErrorRate: 0.1, lostResponseRate: 0.2, holdResponseRate: 0.3, holdMs: 1_500, lateWriteRate: 0.2, lateMs: 700 };
const billCreateFaults = (seed: number) => ({ ...bulkFaults, seed, pathPattern: '/bulk$' });
const xeroCreateFaults = (seed: number) => ({ ...bulkFaults, seed: seed + 1, pathPattern: '/Payments$', methods: ['PUT'] });

const summary = (r: RunResult) => ({ status: r.status, error: r.error, counts: r.counts, plan: r.plan.slice(0, 3).map((p) => `${p.entity} ${p.action}: ${p.reason}`) });

forEachBackend('soak: syncs under lost, held and late answers, 5xx, 429 bursts and expiry', (backend) => {
  let sb: Sandbox;
  let wanted: Json[];
  let invoices: Map<string, Json>;
  const runs: RunResult[] = [];
  const paidBills = new Set<string>();

  before(async () => {
    // The same data on both back-ends, under tenant ids of each suite's own (the emulator seed): the
    // connector's Xero limiter is one per process, keyed by tenant, so with one tenant the second
    // suite started by waiting out the minute window the first one had filled.
    const emulatorSeed = backend.kind === 'pglite' ? 71 : 72;
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: emulatorSeed, linkName: 'soak', xero: { seed: 71, suppliers: 60, bills: 400 }, bill: { seed: 71 } });
    Object.assign(sb.rt.deps, { policy });
    const xero = await sb.xeroState();
    // Decided before anything is paid: paying in BILL makes Xero bills PAID, no longer eligible.
    wanted = accpay(xero).filter(eligible);
    invoices = new Map(accpay(xero).map((i: Json) => [i.InvoiceID, i]));
  });
  after(() => sb?.close());

  /** A fresh Xero minute for each run, and the emulator's minute 3 s from its end when the run starts. */
  async function beforeSync(): Promise<void> {
    await sb.advanceClock('xero', 61);
    await sb.xeroApi.call('GET', '/Organisation');
    await sb.advanceClock('xero', 57);
  }

  /**
   * New approved bills in Xero, the way a bookkeeper enters them: copies of eligible bills (same
   * supplier, currency and expense account, a new number and amount), and two from new suppliers.
   */
  async function addBills(round: number): Promise<void> {
    const usd = wanted.filter((i) => i.CurrencyCode === 'USD');
    const contacts = await sb.xeroApi.call('PUT', '/Contacts', { Contacts: [0, 1].map((k) => ({ Name: `Soak Supplier ${round}-${k}` })) });
    const bill = (i: number, like: Json, contactId: string) => ({
      Type: 'ACCPAY',
      Contact: { ContactID: contactId },
      Date: '2026-10-20',
      DueDate: '2026-11-20',
      InvoiceNumber: `SOAK-${round}-${i}`,
      CurrencyCode: like.CurrencyCode,
      Status: 'AUTHORISED',
      LineItems: [{ Description: `Soak line ${round}-${i}`, Quantity: 1, UnitAmount: `${100 + round}.${String(i).padStart(2, '0')}`, AccountCode: like.LineItems[0].AccountCode }],
    });
    const invoicesIn = [
      ...Array.from({ length: newBillsPerRound - 2 }, (_, i) => bill(i, wanted[(round * newBillsPerRound + i) % wanted.length]!, wanted[(round * newBillsPerRound + i) % wanted.length]!.Contact.ContactID)),
      ...contacts.Contacts.map((c: Json, k: number) => bill(newBillsPerRound - 2 + k, usd[k]!, c.ContactID)),
    ];
    const created = await sb.xeroApi.call('PUT', '/Invoices', { Invoices: invoicesIn });
    for (const inv of created.Invoices as Json[]) {
      wanted.push(inv);
      invoices.set(inv.InvoiceID, inv);
    }
  }

  /** Pays some BILL bills the connector created, in full or in half, as the BILL network would. */
  async function payRound(round: number): Promise<void> {
    const open = (await sb.idMap('bill')).filter((r) => r.state === 'linked' && !paidBills.has(r.target_id));
    for (const [i, row] of open.slice(0, paidPerRound).entries()) {
      const inv = invoices.get(row.source_id)!;
      const half = formatMoney({ currency: inv.CurrencyCode, minor: minor(inv.Total, inv.CurrencyCode) / 2n });
      await sb.pay(row.target_id, (i + round) % 3 === 0 ? half : undefined);
      paidBills.add(row.target_id);
    }
  }

  test('syncs under faults, paying between them, then clean syncs until nothing is in doubt', async () => {
    assert.ok(wanted.length >= 150, `eligible bills: ${wanted.length}`);
    for (let round = 0; round < faultedSyncs; round += 1) {
      if (round > 0) await addBills(round);
      await beforeSync();
      const seed = 1_000 + round;
      // Xero's creates (payments) start with the second run, BILL's are heaviest in the first.
      await sb.faults('xero', round % 2 === 1 ? xeroCreateFaults(seed) : xeroFaults(seed));
      await sb.faults('bill', round % 2 === 0 ? billCreateFaults(seed) : billFaults(seed));
      runs.push(await sb.sync());
      await sb.faults('xero', {});
      await sb.faults('bill', {});
      await payRound(round);
    }

    // Clean syncs (the first posts the last round's payments): once the settle window has passed,
    // whatever a run left in doubt is either found or created, so a few runs leave nothing in doubt.
    const inDoubt = async () =>
      (await sb.db.query<{ n: number }>("select count(*)::int as n from id_map where link = $1 and state = 'intent'", [sb.link.name])).rows[0]!.n;
    for (let clean = 0; clean < 4; clean += 1) {
      if ((await inDoubt()) > 0) await sleep(settleMs + 200);
      await beforeSync();
      const run = await sb.sync();
      runs.push(run);
      if (run.status === 'succeeded' && (await inDoubt()) === 0) break;
    }
    assert.equal(runs.at(-1)!.status, 'succeeded', JSON.stringify(runs.map(summary)));
    assert.equal(await inDoubt(), 0, 'no create left in doubt');
  });

  test('no BILL vendor or bill twice, and every eligible Xero bill in BILL once', async () => {
    const xero = await sb.xeroState();
    const org = await sb.billState();
    const suppliers: Json[] = xero.contacts.filter((c: Json) => c.IsSupplier);
    const vendorsByName = new Map<string, number>();
    for (const v of org.vendors as Json[]) vendorsByName.set(v.name, (vendorsByName.get(v.name) ?? 0) + 1);
    const vendorsTwice = [...vendorsByName].filter(([, n]) => n > 1).map(([name]) => name);
    const billsTwice = wanted.filter((inv) => billFor(org, inv.InvoiceID).length > 1).map((i) => i.InvoiceNumber);
    const billsMissing = wanted.filter((inv) => billFor(org, inv.InvoiceID).length === 0).map((i) => i.InvoiceNumber);
    assert.deepEqual(
      { vendorsTwice, billsTwice, billsMissing },
      { vendorsTwice: [], billsTwice: [], billsMissing: [] },
      `${org.vendors.length} BILL vendors for ${suppliers.length} suppliers, ${org.bills.length} BILL bills for ${wanted.length} eligible Xero bills; runs: ${JSON.stringify(runs.map(summary))}`,
    );
    for (const s of suppliers) assert.equal(vendorsByName.get(s.Name), 1, s.Name);
    assert.equal(org.vendors.length, suppliers.length);
    assert.equal(org.bills.length, wanted.length);
  });

  test('every settled BILL payment application is in Xero exactly once', async () => {
    const org = await sb.billState();
    const expected = (org.payments as Json[]).flatMap((p) => p.billPayments.map((a: Json) => `BILL ${p.id} ${a.id}`)).sort();
    assert.ok(expected.length >= faultedSyncs * paidPerRound - 10, `BILL payment applications: ${expected.length}`);
    const posted: string[] = (await sb.xeroState()).payments.filter((p: Json) => /^BILL /.test(p.Reference ?? '') && p.Status !== 'DELETED').map((p: Json) => p.Reference);
    const seen = new Map<string, number>();
    for (const r of posted) seen.set(r, (seen.get(r) ?? 0) + 1);
    assert.deepEqual([...seen].filter(([, n]) => n > 1), [], 'payments posted twice');
    assert.deepEqual([...seen.keys()].sort(), expected, 'posted exactly the settled applications');
  });

  test('reconcile agrees, every fault kind was met on both sides, and no limit was broken', async () => {
    assert.deepEqual((await sb.reconcile()).differences, []);
    const stats = await sb.stats();
    for (const side of ['xero', 'bill'] as const) {
      const injected = stats[side].faultsInjected;
      for (const kind of ['server_error', 'lost_response', 'hold', 'late_write', 'rate_limited', 'auth_expired']) {
        assert.ok((injected[kind] ?? 0) > 0, `${side} met ${kind}: ${JSON.stringify(injected)}`);
      }
      assert.equal(stats[side].limitViolations, 0, side);
    }
  });
});
