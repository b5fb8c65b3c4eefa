/**
 * Failed records and their replay: with accountPolicy 'error' the bills that need an account BILL
 * lacks fail with a stable code and nothing posts to a missing account; a supplier BILL cannot take
 * fails, and its bill with it. Once the cause is fixed, replaying one id or every failed record
 * creates exactly one target record each, and replaying again creates nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { Sandbox, type Json } from './sandbox-fixture.ts';
import { accpay, billFor, eligible, expectedLines } from './ledger-views.ts';

forEachBackend('failed records and replay', (backend) => {
  let sb: Sandbox;
  let xero: Json;
  let chartBefore: Json[];
  let missingAccountBills: Json[];
  let longNamed: { contact: Json; bill: Json };

  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 7, xero: { suppliers: 6, bills: 24 }, settings: { accountPolicy: 'error' } });
    const contact = await sb.xeroApi.createContact({ Name: `Consolidated ${'Northern '.repeat(12)}Supply Company`, EmailAddress: 'ap@consolidated.example' });
    const bill = await sb.xeroApi.createInvoice({
      Type: 'ACCPAY', Status: 'AUTHORISED', Contact: { ContactID: contact.ContactID }, InvoiceNumber: 'CNS-1', Date: '2026-10-01', DueDate: '2026-10-31',
      CurrencyCode: 'USD', LineAmountTypes: 'NoTax', LineItems: [{ Description: 'Pallets', Quantity: 2, UnitAmount: '150.25', AccountCode: '400' }],
    });
    longNamed = { contact, bill };
    xero = await sb.xeroState();
    chartBefore = (await sb.billState()).chartOfAccounts;
    const codes = new Set(chartBefore.map((a) => a.account?.number));
    missingAccountBills = accpay(xero).filter(eligible).filter((i) => expectedLines(i).some((l) => !codes.has(l.accountCode)));
    assert.ok(missingAccountBills.length >= 2, 'the seed has bills on accounts BILL lacks');
  });
  after(() => sb?.close());

  test("with accountPolicy 'error', bills on accounts BILL lacks fail with MLC_ERR_MISSING_ACCOUNT and nothing posts to a missing account", async () => {
    const result = await sb.sync();
    assert.equal(result.status, 'partial');
    const org = await sb.billState();
    assert.deepEqual(org.chartOfAccounts, chartBefore, 'no account created');
    for (const inv of missingAccountBills) {
      const record = await sb.record('bill', inv.InvoiceID);
      assert.deepEqual([record.status, record.error_code], ['failed', 'MLC_ERR_MISSING_ACCOUNT']);
      assert.match(record.reason, /uses account '\d+', which has no match in BILL's chart of accounts/);
      assert.equal(billFor(org, inv.InvoiceID).length, 0);
    }
    const known = new Set(chartBefore.map((a) => a.id));
    for (const b of org.bills) for (const l of b.billLineItems) assert.ok(known.has(l.classifications.chartOfAccountId), `bill ${b.id} posts to an existing account`);
    const others = accpay(xero).filter(eligible).filter((i) => !missingAccountBills.includes(i) && i.InvoiceID !== longNamed.bill.InvoiceID);
    for (const inv of others) assert.equal(billFor(org, inv.InvoiceID).length, 1);
  });

  test('a supplier BILL cannot take fails, and its bill fails as depending on it', async () => {
    const vendor = await sb.record('vendor', longNamed.contact.ContactID);
    assert.deepEqual([vendor.status, vendor.error_code], ['failed', 'MLC_ERR_VALIDATION']);
    assert.match(vendor.reason, /supplier name is 1\d\d characters; BILL accepts at most 100/);
    const bill = await sb.record('bill', longNamed.bill.InvoiceID);
    assert.deepEqual([bill.status, bill.error_code], ['failed', 'MLC_ERR_DEPENDENCY_FAILED']);
    const org = await sb.billState();
    assert.equal(org.vendors.filter((v: Json) => v.name.startsWith('Consolidated')).length, 0);
    assert.equal(billFor(org, longNamed.bill.InvoiceID).length, 0);
  });

  test('after the supplier is renamed in Xero, replaying the one bill creates its vendor and the bill, once', async () => {
    await sb.xeroApi.updateContact(longNamed.contact.ContactID, { Name: 'Consolidated Supply Company' });
    const first = await sb.replay({ id: longNamed.bill.InvoiceID });
    assert.equal(first.status, 'succeeded', JSON.stringify(first.plan));
    assert.equal(first.counts['replay.records'], 1);
    const again = await sb.replay({ id: longNamed.bill.InvoiceID });
    assert.equal(again.counts['bill.create'] ?? 0, 0);

    const org = await sb.billState();
    const vendors = org.vendors.filter((v: Json) => v.name.startsWith('Consolidated'));
    assert.deepEqual(vendors.map((v: Json) => v.name), ['Consolidated Supply Company']);
    const bills = billFor(org, longNamed.bill.InvoiceID);
    assert.equal(bills.length, 1);
    assert.equal(bills[0].vendorId, vendors[0].id);
    assert.equal(bills[0].amount, 300.5);
    assert.equal((await sb.record('bill', longNamed.bill.InvoiceID)).status, 'synced');
    assert.equal((await sb.record('vendor', longNamed.contact.ContactID)).status, 'synced');
    // The bills that failed for their accounts were not part of this replay.
    for (const inv of missingAccountBills) assert.equal((await sb.record('bill', inv.InvoiceID)).status, 'failed');
  });

  test("with the policy switched to 'create', replaying every failed record creates the accounts and exactly one bill each", async () => {
    await sb.updateSettings({ accountPolicy: 'create' });
    const result = await sb.replay({ failed: true });
    assert.equal(result.status, 'succeeded', JSON.stringify(result.plan));
    assert.equal(result.counts['replay.records'], missingAccountBills.length);
    assert.equal(result.counts['bill.create'], missingAccountBills.length);

    const org = await sb.billState();
    const accountIds = new Set(org.chartOfAccounts.map((a: Json) => a.id));
    for (const inv of missingAccountBills) {
      const bills = billFor(org, inv.InvoiceID);
      assert.equal(bills.length, 1, inv.InvoiceNumber);
      for (const l of bills[0].billLineItems) assert.ok(accountIds.has(l.classifications.chartOfAccountId));
      assert.equal((await sb.record('bill', inv.InvoiceID)).status, 'synced');
    }
    assert.equal((await sb.replay({ failed: true })).counts['replay.records'], 0);
    await sb.sync();
    assert.equal((await sb.billState()).bills.length, org.bills.length, 'a later sync adds no bill');
    assert.equal((await sb.reconcile()).agree, true);
  });
});
