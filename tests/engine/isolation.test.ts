/**
 * One record the connector cannot read or map fails alone, with its own code and a reason naming
 * the field, and the rest of its page goes on: a Xero bill in a currency that is not ISO 4217,
 * Xero bills sent with a field of the wrong type, without their InvoiceID or with a bad date, a
 * Xero supplier sent with a field of the wrong type, and a BILL payment whose amount has more
 * decimals than its currency. The emulators send those records altered through their
 * `/_emulator/wire-overrides` test knob; what was created is judged by each emulator's state.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { control, Sandbox, type Json } from './sandbox-fixture.ts';
import { accpay, billFor, eligible, minor } from './ledger-views.ts';

forEachBackend('per-record isolation', (backend) => {
  let sb: Sandbox;
  let xero: Json;
  /** Eligible Xero bills sent altered, by what is wrong with them. */
  const bad: Record<'currency' | 'wrongType' | 'noId' | 'badDate', Json> = {} as never;
  /** A supplier sent with a field of the wrong type, and its eligible bills. */
  let badSupplier: Json;
  let badSupplierBills: Json[];
  /** Eligible bills nothing is wrong with. */
  let good: Json[];
  const payments: Json[] = [];
  let badPayment: Json;

  const xeroOverride = (id: string, set: Record<string, unknown>, remove: string[] = []) =>
    control(sb.xero.urls.base, 'POST', '/wire-overrides', { tenantId: sb.xeroTenantId, id, set, remove });
  const billOverride = (id: string, set: Record<string, unknown>) => control(sb.bill.urls.base, 'POST', '/wire-overrides', { id, set });
  const billRecordByLabel = async (invoiceNumber: string) => (await sb.records('bill')).filter((r) => r.label?.startsWith(`${invoiceNumber} `) || r.label === invoiceNumber);

  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 19, xero: { suppliers: 8, bills: 60 } });
    xero = await sb.xeroState();
    const open = accpay(xero).filter(eligible);
    const suppliers = xero.contacts.filter((c: Json) => c.IsSupplier);
    // The supplier with the fewest eligible bills (at least one) is the one sent unreadable.
    const billsOf = (c: Json) => open.filter((i) => i.Contact.ContactID === c.ContactID);
    badSupplier = suppliers.filter((c: Json) => billsOf(c).length > 0).sort((a: Json, b: Json) => billsOf(a).length - billsOf(b).length)[0];
    badSupplierBills = billsOf(badSupplier);
    const others = open.filter((i) => i.Contact.ContactID !== badSupplier.ContactID);
    assert.ok(others.length >= 10, `the seed gives enough eligible bills (got ${others.length})`);
    [bad.currency, bad.wrongType, bad.noId, bad.badDate] = others;
    good = others.slice(4);
    assert.ok(Object.values(bad).every((i) => i.InvoiceNumber), 'the altered bills have invoice numbers');

    await xeroOverride(bad.currency.InvoiceID, { CurrencyCode: 'XYZ' });
    await xeroOverride(bad.wrongType.InvoiceID, { Total: { amount: bad.wrongType.Total } });
    await xeroOverride(bad.noId.InvoiceID, {}, ['InvoiceID']);
    await xeroOverride(bad.badDate.InvoiceID, { Date: 'the fifth of May' });
    await xeroOverride(badSupplier.ContactID, { Name: 42 });
  });
  after(() => sb?.close());

  test('each unreadable bill and supplier fails alone with its code and the field named; every other bill of the page is created once', async () => {
    const result = await sb.sync();
    assert.equal(result.error, null, JSON.stringify(result.error));
    assert.equal(result.status, 'partial');

    const expectFailed = async (inv: Json, code: string, field: RegExp) => {
      const record = await sb.record('bill', inv.InvoiceID);
      assert.equal(record?.status, 'failed', `${inv.InvoiceNumber} failed`);
      assert.equal(record.error_code, code, `${inv.InvoiceNumber}: ${record.error_message}`);
      assert.match(record.error_message, field);
    };
    await expectFailed(bad.currency, 'MLC_ERR_UNKNOWN_CURRENCY', /CurrencyCode 'XYZ' is not an ISO 4217 code/);
    await expectFailed(bad.wrongType, 'MLC_ERR_BAD_RESPONSE', /\bTotal\b/);
    await expectFailed(bad.badDate, 'MLC_ERR_BAD_RESPONSE', /\bDate\b/);
    // Without its InvoiceID the bill is recorded under its number, so it is still seen.
    const [noId, ...more] = await billRecordByLabel(bad.noId.InvoiceNumber);
    assert.equal(more.length, 0);
    assert.deepEqual([noId?.status, noId?.error_code], ['failed', 'MLC_ERR_BAD_RESPONSE']);
    assert.match(noId.error_message, /\bInvoiceID\b/);

    const vendor = await sb.record('vendor', badSupplier.ContactID);
    assert.deepEqual([vendor?.status, vendor?.error_code], ['failed', 'MLC_ERR_BAD_RESPONSE']);
    assert.match(vendor.error_message, /\bName\b/);
    for (const inv of badSupplierBills) {
      const record = await sb.record('bill', inv.InvoiceID);
      assert.deepEqual([record?.status, record?.error_code], ['failed', 'MLC_ERR_DEPENDENCY_FAILED'], inv.InvoiceNumber);
    }

    const org = await sb.billState();
    for (const inv of good) {
      assert.equal(billFor(org, inv.InvoiceID).length, 1, `one BILL bill for ${inv.InvoiceNumber}`);
      assert.equal((await sb.record('bill', inv.InvoiceID))?.status, 'synced');
    }
    for (const inv of [...Object.values(bad), ...badSupplierBills]) assert.deepEqual(billFor(org, inv.InvoiceID), [], `no BILL bill for ${inv.InvoiceNumber}`);
    assert.equal(org.bills.length, good.length, 'no other BILL bills');
    assert.equal(org.vendors.filter((v: Json) => v.name === badSupplier.Name).length, 0, 'no vendor for the unreadable supplier');
    // The failures are committed with the page, so the cursor moves past it.
    const cursor = (await sb.cursors())['erp.bills'];
    const newestGood = Math.max(...good.map((i) => Number(/\/Date\((\d+)/.exec(i.UpdatedDateUTC)![1])));
    assert.ok(cursor && Date.parse(cursor) >= newestGood, `bills cursor ${cursor}`);
  });

  test('one BILL payment whose amount has three decimals fails alone; every other payment is posted to Xero once', async () => {
    const org = await sb.billState();
    const paid = good.slice(0, 6);
    for (const inv of paid) payments.push(await sb.pay(billFor(org, inv.InvoiceID)[0].id));
    badPayment = payments[2];
    await billOverride(badPayment.id, { 'billPayments.0.amount': 12.345 });

    const result = await sb.sync();
    assert.equal(result.error, null, JSON.stringify(result.error));
    assert.equal(result.status, 'partial');
    const app = badPayment.billPayments[0];
    const record = await sb.record('payment', app.id);
    assert.deepEqual([record?.status, record?.error_code], ['failed', 'MLC_ERR_BAD_RESPONSE'], record?.error_message);
    assert.match(record.error_message, /billPayments\[0\]\.amount/);
    assert.match(record.error_message, /more than 2 decimal places/);

    const state = await sb.xeroState();
    const byReference = (p: Json) => state.payments.filter((x: Json) => x.Reference === `BILL ${p.id} ${p.billPayments[0].id}`);
    assert.deepEqual(byReference(badPayment), [], 'nothing posted for the unreadable payment');
    for (const p of payments.filter((x) => x !== badPayment)) {
      const [posted, ...extra] = byReference(p);
      assert.ok(posted && extra.length === 0, `one Xero payment for ${p.id}`);
      const inv = paid.find((i) => billFor(org, i.InvoiceID)[0].id === p.billPayments[0].billId);
      assert.equal(posted.Invoice.InvoiceID, inv.InvoiceID);
      assert.equal(minor(posted.Amount, inv.CurrencyCode), minor(p.billPayments[0].amount, inv.CurrencyCode));
      assert.equal((await sb.record('payment', p.billPayments[0].id))?.status, 'synced');
    }
  });

  test('replay reads the failed records again by id: still unreadable ones fail again alone, and nothing else is written', async () => {
    const billBefore = (await sb.billState()).bills.length;
    const xeroPaymentsBefore = (await sb.xeroState()).payments.length;
    const result = await sb.replay({ failed: true });
    assert.equal(result.error, null, JSON.stringify(result.error));
    assert.equal(result.status, 'partial');
    assert.equal((await sb.record('bill', bad.currency.InvoiceID))?.error_code, 'MLC_ERR_UNKNOWN_CURRENCY');
    assert.equal((await sb.record('bill', bad.wrongType.InvoiceID))?.error_code, 'MLC_ERR_BAD_RESPONSE');
    assert.equal((await sb.record('bill', bad.badDate.InvoiceID))?.error_code, 'MLC_ERR_BAD_RESPONSE');
    assert.equal((await sb.record('vendor', badSupplier.ContactID))?.error_code, 'MLC_ERR_BAD_RESPONSE');
    assert.equal((await sb.record('payment', badPayment.billPayments[0].id))?.error_code, 'MLC_ERR_BAD_RESPONSE');
    assert.equal((await sb.billState()).bills.length, billBefore);
    assert.equal((await sb.xeroState()).payments.length, xeroPaymentsBefore);
  });

  test('once the records read well again, replay creates each failed bill and vendor once and posts the payment; the bill that came without its id is taken up when it next changes', async () => {
    for (const inv of Object.values(bad)) await xeroOverride(inv.InvoiceID, {});
    await xeroOverride(badSupplier.ContactID, {});
    await billOverride(badPayment.id, {});

    const result = await sb.replay({ failed: true });
    assert.equal(result.error, null, JSON.stringify(result.error));
    let org = await sb.billState();
    for (const inv of [bad.currency, bad.wrongType, bad.badDate, ...badSupplierBills]) {
      assert.equal(billFor(org, inv.InvoiceID).length, 1, `one BILL bill for ${inv.InvoiceNumber}`);
      assert.equal((await sb.record('bill', inv.InvoiceID))?.status, 'synced');
    }
    assert.equal(org.vendors.filter((v: Json) => v.name === badSupplier.Name).length, 1);
    const app = badPayment.billPayments[0];
    const posted = (await sb.xeroState()).payments.filter((p: Json) => p.Reference === `BILL ${badPayment.id} ${app.id}`);
    assert.equal(posted.length, 1, 'the payment is posted once');
    assert.equal((await sb.record('payment', app.id))?.status, 'synced');

    // The bill read without its id cannot be asked for by id; an edit in Xero brings it back.
    assert.deepEqual(billFor(org, bad.noId.InvoiceID), []);
    await sb.xeroApi.updateInvoice(bad.noId.InvoiceID, { Reference: 'checked' });
    const next = await sb.sync();
    assert.equal(next.error, null, JSON.stringify(next.error));
    org = await sb.billState();
    assert.equal(billFor(org, bad.noId.InvoiceID).length, 1);
    assert.equal((await sb.record('bill', bad.noId.InvoiceID))?.status, 'synced');
    assert.equal(org.bills.length, good.length + 4 + badSupplierBills.length, 'every eligible bill once, nothing else');
  });
});
