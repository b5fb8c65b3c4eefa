/**
 * A first sync of a few hundred bills, BILL payments and the payments back, while both emulators
 * answer 5% of calls with server errors, refuse bursts of calls as over the rate limit and expire
 * tokens and sessions mid-run. The engine must finish in one pass per step, the ledgers must agree,
 * every source record must have exactly one target record, and no limit may have been broken.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMoney } from '../../src/core/money.ts';
import { forEachBackend } from '../helpers/db.ts';
import { Sandbox, total, type Json } from './sandbox-fixture.ts';
import { accpay, billFor, eligible, minor } from './ledger-views.ts';

/**
 * 5% server errors everywhere, tokens and sessions expired on the first call and on 2% of calls after
 * it, and rate-limit refusals. BILL refuses bursts of two calls (BDC_1322, answered with backoff).
 * Xero refuses one call as over its minute limit, whose Retry-After is the rest of the tenant's
 * minute window: the emulator clock is moved to the end of that window first, so the client honours
 * a Retry-After of a few seconds rather than a whole minute. The fault seeds were chosen so every
 * kind of fault happens on both sides (asserted at the end); the faults land on the same calls on
 * every run because each emulator sees its calls in the same order. Some other seeds expire a
 * session twice in a row, which the transport renews only once per call: that run fails with
 * MLC_ERR_AUTH_EXPIRED and the next one carries on (see the engine's auth tests).
 */
const xeroFaults = { seed: 5, serverErrorRate: 0.05, expireAuthNow: true, expireAuthRate: 0.02 };
const billFaults = { seed: 17, serverErrorRate: 0.05, expireAuthNow: true, expireAuthRate: 0.02, rateLimitBurst: 2, rateLimitBurstRate: 0.02, burstLength: 2 };

forEachBackend('a full sync under injected faults', (backend) => {
  let sb: Sandbox;
  let xero: Json;

  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 99, xero: { suppliers: 40, bills: 300 } });
    xero = await sb.xeroState();
    // Connecting made the tenant's first call, which opened its minute window.
    await sb.advanceClock('xero', 57);
    await sb.faults('xero', { ...xeroFaults, rateLimitBurst: 1 });
    await sb.faults('bill', billFaults);
  });
  after(() => sb?.close());

  test('the first sync of a few hundred bills finishes in one pass with every eligible bill in BILL once', async () => {
    const result = await sb.sync();
    assert.equal(result.status, 'succeeded', JSON.stringify({ error: result.error, plan: result.plan.slice(0, 5) }));
    const org = await sb.billState();
    const wanted = accpay(xero).filter(eligible);
    assert.ok(wanted.length >= 100, `eligible bills: ${wanted.length}`);
    for (const inv of wanted) assert.equal(billFor(org, inv.InvoiceID).length, 1, inv.InvoiceNumber);
    assert.equal(org.bills.length, wanted.length);
    const names = org.vendors.map((v: Json) => v.name);
    assert.equal(new Set(names).size, names.length, 'no vendor twice');
    assert.equal(names.length, xero.contacts.filter((c: Json) => c.IsSupplier).length);
  });

  test('BILL payments, full and partial, post back to Xero once each in the same conditions', async () => {
    const linked = await sb.idMap('bill');
    const paid: Json[] = [];
    for (const [i, row] of linked.entries()) {
      if (i % 3 === 2) continue;
      const inv = xero.invoices.find((x: Json) => x.InvoiceID === row.source_id);
      const half = formatMoney({ currency: inv.CurrencyCode, minor: minor(inv.Total, inv.CurrencyCode) / 2n });
      paid.push(await sb.pay(row.target_id, i % 3 === 0 ? undefined : half));
    }
    // Expire the tokens and session again at the start of this run.
    await sb.faults('xero', xeroFaults);
    await sb.faults('bill', billFaults);
    const result = await sb.sync();
    assert.equal(result.status, 'succeeded', JSON.stringify({ error: result.error, plan: result.plan.slice(0, 5) }));
    const payments: Json[] = (await sb.xeroState()).payments.filter((p: Json) => /^BILL /.test(p.Reference ?? ''));
    const references = payments.map((p) => p.Reference);
    assert.equal(new Set(references).size, references.length, 'no payment posted twice');
    assert.deepEqual(references.sort(), paid.map((p) => `BILL ${p.id} ${p.billPayments[0].id}`).sort());
  });

  test('reconcile agrees, every fault kind was met, and neither emulator saw a limit broken', async () => {
    const report = await sb.reconcile();
    assert.deepEqual(report.differences, []);
    const last = await sb.stats();
    for (const side of ['xero', 'bill'] as const) {
      const injected = last[side].faultsInjected;
      assert.ok((injected.server_error ?? 0) > 0 && (injected.rate_limited ?? 0) > 0 && (injected.auth_expired ?? 0) > 0, `${side}: ${JSON.stringify(injected)}`);
      assert.equal(last[side].limitViolations, 0, side);
      assert.equal(total(last[side].rejections), 0, `${side} refused nothing for real: ${JSON.stringify(last[side].rejections)}`);
    }
  });
});
