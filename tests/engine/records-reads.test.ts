/**
 * A webhook follow-up names a few records; its run reads from BILL only what those records need.
 * BILL's vendor list (hundreds of pages for a large payables team) is read only when a supplier not
 * linked yet must be matched against it; the bill currency of a linked vendor is read by id.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { syncRecords } from '../../src/server/worker/records.ts';
import { forEachBackend } from '../helpers/db.ts';
import { callsMatching, Sandbox, type Json } from './sandbox-fixture.ts';
import { accpay, billFor, eligible } from './ledger-views.ts';

const vendorReads = /^GET \/connect\/v3\/vendors$/;
const writes = /^(PUT|POST|PATCH|DELETE) /;

forEachBackend('webhook follow-up reads', (backend) => {
  let sb: Sandbox;

  before(async () => {
    // 250 vendors already in BILL: listing them all takes three pages of 100.
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 31, xero: { suppliers: 6, bills: 30 }, bill: { vendors: 250 } });
    const first = await sb.sync();
    assert.equal(first.status, 'succeeded', JSON.stringify(first.error));
  });
  after(() => sb?.close());

  test('a bill edit of a linked supplier reads its vendor by id, not the whole vendor list', async () => {
    const target = accpay(await sb.xeroState()).find(eligible)!;
    assert.ok(target, 'the seed has an eligible bill');
    await sb.xeroApi.updateInvoice(target.InvoiceID, { DueDate: '2027-01-15' });

    await sb.resetStats();
    const result = await syncRecords(sb.rt.deps, sb.link, { kind: 'records', link: sb.link.name, system: 'xero', entity: 'bill', ids: [target.InvoiceID] });
    assert.equal(result.status, 'succeeded', JSON.stringify(result.error));
    assert.equal(result.counts['bill.update'], 1, JSON.stringify(result.counts));
    const stats = await sb.stats();
    assert.equal(callsMatching(stats.bill, vendorReads), 1, `one read of the bill's vendor by id: ${JSON.stringify(stats.bill.callsByEndpoint)}`);
    assert.deepEqual(Object.keys(stats.bill.callsByEndpoint).filter((k) => writes.test(k)), ['PUT /connect/v3/bills/:billId']);
    const [bill] = billFor(await sb.billState(), target.InvoiceID);
    assert.equal(bill.dueDate, '2027-01-15');
  });

  test('a bill of a new supplier lists BILL vendors once to match it, and creates the vendor once', async () => {
    const contact = await sb.xeroApi.createContact({ Name: 'Webhook Newcomer Ltd', EmailAddress: 'ap@newcomer.example' });
    const template = accpay(await sb.xeroState()).find(eligible)!;
    const created = await sb.xeroApi.createInvoice({
      Type: 'ACCPAY',
      Status: 'AUTHORISED',
      Contact: { ContactID: contact.ContactID },
      InvoiceNumber: 'NEW-1',
      Date: '2026-11-02',
      DueDate: '2026-12-02',
      CurrencyCode: template.CurrencyCode,
      LineAmountTypes: 'NoTax',
      LineItems: [{ Description: 'Onboarding', Quantity: 1, UnitAmount: '250.00', AccountCode: template.LineItems[0].AccountCode }],
    });

    await sb.resetStats();
    const result = await syncRecords(sb.rt.deps, sb.link, { kind: 'records', link: sb.link.name, system: 'xero', entity: 'bill', ids: [created.InvoiceID] });
    assert.equal(result.status, 'succeeded', JSON.stringify(result.error));
    assert.equal(result.counts['vendor.create'], 1, JSON.stringify(result.counts));
    assert.equal(result.counts['bill.create'], 1, JSON.stringify(result.counts));
    const stats = await sb.stats();
    // Three pages to match the new supplier; its currency then comes from the create's own answer.
    assert.equal(callsMatching(stats.bill, vendorReads), 3, JSON.stringify(stats.bill.callsByEndpoint));
    const org = await sb.billState();
    assert.equal(org.vendors.filter((v: Json) => v.name === 'Webhook Newcomer Ltd').length, 1);
    assert.equal(billFor(org, created.InvoiceID).length, 1);
  });
});
