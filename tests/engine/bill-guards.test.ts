/**
 * Bills that BILL would take but read wrongly fail with their reason instead, and replay creates
 * them once the cause is put right:
 * - BILL has no currency on a bill: it reads the amounts in the vendor's bill currency, so a Xero
 *   bill whose supplier is matched to a BILL vendor in another currency must not go;
 * - with a tracking category mapped to departments, a line tracked to an option BILL has no
 *   department for must not lose its department silently.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { Sandbox, type Json } from './sandbox-fixture.ts';
import { accpay, billFor, eligible } from './ledger-views.ts';

forEachBackend('bill currency against the BILL vendor', (backend) => {
  let sb: Sandbox;
  let supplier: Json;
  let foreignBills: Json[];
  let vendorId: string;

  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 7, xero: { suppliers: 8, bills: 40 } });
    const xero = await sb.xeroState();
    const candidates = xero.contacts.filter((c: Json) => c.IsSupplier && c.DefaultCurrency && c.DefaultCurrency !== 'USD');
    supplier = candidates.find((c: Json) => accpay(xero).some((i: Json) => eligible(i) && i.Contact.ContactID === c.ContactID && i.CurrencyCode === c.DefaultCurrency));
    assert.ok(supplier, 'the seed has a non-USD supplier with an eligible bill');
    foreignBills = accpay(xero).filter((i: Json) => eligible(i) && i.Contact.ContactID === supplier.ContactID);
    // The same supplier already in BILL, by name, but taking bills in USD.
    vendorId = (await sb.billApi.createVendor({ name: supplier.Name, accountType: 'BUSINESS', billCurrency: 'USD' })).id;
  });
  after(() => sb?.close());

  test('a bill in another currency than its matched BILL vendor fails with MLC_ERR_CURRENCY_MISMATCH and nothing is created', async () => {
    const result = await sb.sync();
    assert.equal(result.status, 'partial');
    const org = await sb.billState();
    for (const inv of foreignBills) {
      const record = await sb.record('bill', inv.InvoiceID);
      assert.equal(record?.status, 'failed', `${inv.InvoiceNumber} failed`);
      assert.equal(record?.error_code, 'MLC_ERR_CURRENCY_MISMATCH');
      assert.match(record?.reason ?? record?.error_message ?? '', new RegExp(`the bill is in ${inv.CurrencyCode} but its vendor in BILL takes bills in USD`));
      assert.deepEqual(billFor(org, inv.InvoiceID), [], 'no BILL bill for it');
    }
    assert.equal(org.bills.filter((b: Json) => b.vendorId === vendorId).length, 0);
  });

  test('once the BILL vendor takes the bill currency, replay creates each bill once, in that currency', async () => {
    await sb.billApi.updateVendor(vendorId, { billCurrency: supplier.DefaultCurrency });
    const result = await sb.replay({ failed: true });
    assert.equal(result.counts['bill.create'], foreignBills.length, JSON.stringify(result.counts));
    const org = await sb.billState();
    for (const inv of foreignBills) {
      const created = billFor(org, inv.InvoiceID);
      assert.equal(created.length, 1);
      assert.equal(created[0].vendorId, vendorId);
      assert.equal((await sb.record('bill', inv.InvoiceID))?.status, 'synced');
    }
    assert.equal((await sb.replay({ failed: true })).counts['bill.create'] ?? 0, 0, 'a second replay creates nothing');
  });
});

forEachBackend('tracked lines and BILL departments', (backend) => {
  let sb: Sandbox;
  let tracked: Json[];
  const missing = 'Administration';

  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 7, xero: { suppliers: 6, bills: 24 }, settings: { departmentCategory: 'Department' } });
    const xero = await sb.xeroState();
    assert.ok(!(await sb.billState()).departments.some((d: Json) => d.name === missing), `BILL's seed has no '${missing}' department`);
    const usesMissing = (i: Json) => i.LineItems.some((l: Json) => (l.Tracking ?? []).some((t: Json) => t.Name === 'Department' && t.Option === missing));
    tracked = accpay(xero).filter((i: Json) => eligible(i) && usesMissing(i));
    assert.ok(tracked.length > 0, `the seed tracks an eligible bill to '${missing}'`);
  });
  after(() => sb?.close());

  test('a line tracked to an option with no BILL department fails its bill with MLC_ERR_MISSING_DEPARTMENT', async () => {
    const result = await sb.sync();
    assert.equal(result.status, 'partial');
    const org = await sb.billState();
    for (const inv of tracked) {
      const record = await sb.record('bill', inv.InvoiceID);
      assert.equal(record?.error_code, 'MLC_ERR_MISSING_DEPARTMENT');
      assert.match(record?.reason ?? '', new RegExp(`tracked to '${missing}', which has no department of that name in BILL`));
      assert.deepEqual(billFor(org, inv.InvoiceID), []);
    }
    assert.equal(result.counts['bill.fail'], tracked.length, JSON.stringify(result.counts));
  });

  test('once BILL has the department, replay creates the bills with it', async () => {
    const [department] = await sb.billApi.createDepartmentsBulk([{ name: missing }]);
    const result = await sb.replay({ failed: true });
    assert.equal(result.counts['bill.create'], tracked.length, JSON.stringify(result.counts));
    const org = await sb.billState();
    for (const inv of tracked) {
      const [created] = billFor(org, inv.InvoiceID);
      assert.ok(created.billLineItems.some((l: Json) => l.classifications?.departmentId === department!.id), `${inv.InvoiceNumber} carries the department`);
    }
  });
});
