/**
 * BILL has no currency on a bill: it reads the amounts in the vendor's bill currency. A Xero bill
 * whose supplier is matched to a BILL vendor in another currency must fail with its reason rather
 * than become a bill for the wrong amount; once the vendor is put right, replay creates it once.
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
