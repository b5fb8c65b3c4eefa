/**
 * The first sync of a Xero organisation into a BILL organisation that already has a chart of
 * accounts and a few vendors: the dry run first (nothing written anywhere), then accounts, vendors
 * and bills, each checked against both emulators' state and the database.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { Sandbox, type Json } from './sandbox-fixture.ts';
import { accpay, billFor, eligible, expectedLines, minor, skipReasonFor, ymd } from './ledger-views.ts';

forEachBackend('first sync, Xero to BILL', (backend) => {
  let sb: Sandbox;
  let xero: Json;
  /** Xero suppliers that BILL already knows, by how they should be matched. */
  const preexisting: Record<'name' | 'taxId' | 'email', { contact: Json; billVendorId: string }> = {} as never;
  let nameMatchedCode = '';
  let nameMatchedBillAccountId = '';
  let billCodesBefore = new Set<string>();

  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 7, xero: { suppliers: 6, bills: 24 }, settings: { departmentCategory: 'Department' } });
    xero = await sb.xeroState();
    const suppliers = xero.contacts.filter((c: Json) => c.IsSupplier);
    assert.ok(suppliers.length >= 4, 'the seed gives at least four suppliers');
    const [byName, byTax, byEmail] = suppliers;
    const vendor = async (name: string, extra: Record<string, unknown>, c: Json) =>
      (await sb.billApi.createVendor({ name, accountType: 'BUSINESS', billCurrency: c.DefaultCurrency, ...extra })).id;
    preexisting.name = { contact: byName, billVendorId: await vendor(`  ${byName.Name.toUpperCase()} `, {}, byName) };
    preexisting.taxId = { contact: byTax, billVendorId: await vendor('Renamed Trading Ltd', { additionalInfo: { taxId: byTax.TaxNumber } }, byTax) };
    preexisting.email = { contact: byEmail, billVendorId: await vendor('Another Name Entirely', { email: byEmail.EmailAddress.toUpperCase() }, byEmail) };

    // An account the bills use, known to BILL under the same name but another number: matched by name.
    billCodesBefore = new Set((await sb.billState()).chartOfAccounts.map((a: Json) => a.account?.number));
    const usedMissing = usedCodes(xero).filter((c) => !billCodesBefore.has(c));
    assert.ok(usedMissing.length >= 2, `the seed's eligible bills use at least two accounts BILL lacks (got ${usedMissing.join(', ')})`);
    nameMatchedCode = usedMissing[0]!;
    const xeroAccount = xero.accounts.find((a: Json) => a.Code === nameMatchedCode);
    const [created] = await sb.billApi.createChartOfAccountsBulk([{ name: xeroAccount.Name, account: { type: 'EXPENSE', number: `9${nameMatchedCode}` } }]);
    nameMatchedBillAccountId = created!.id;

    // Every option of the mapped tracking category has a BILL department (a missing one fails its
    // bills: tests/engine/bill-guards.test.ts).
    const known = new Set((await sb.billState()).departments.map((d: Json) => d.name));
    const options = xero.trackingCategories.find((c: Json) => c.Name === 'Department').Options.map((o: Json) => o.Name);
    await sb.billApi.createDepartmentsBulk(options.filter((name: string) => !known.has(name)).map((name: string) => ({ name })));
  });
  after(() => sb?.close());

  test('a dry run plans creates and skips with their reasons and writes nothing on either side or in the database', async () => {
    const [xeroBefore, billBefore] = [await sb.xeroState(), await sb.billState()];
    const result = await sb.sync({ dryRun: true });
    assert.equal(result.status, 'succeeded', JSON.stringify(result.error));
    const planned = (entity: string, action: string) => result.plan.filter((p) => p.entity === entity && p.action === action);
    const eligibleBills = accpay(xero).filter(eligible);
    assert.deepEqual(planned('bill', 'create').map((p) => p.sourceId).sort(), eligibleBills.map((i: Json) => i.InvoiceID).sort());
    for (const p of planned('bill', 'create')) assert.match(p.reason, /^approved and unpaid: \d+\.\d{2} [A-Z]{3}$/);
    const skipped = accpay(xero).filter((i: Json) => !eligible(i));
    assert.deepEqual(planned('bill', 'skip').map((p) => p.sourceId).sort(), skipped.map((i: Json) => i.InvoiceID).sort());
    for (const p of planned('bill', 'skip')) assert.match(p.reason, skipReasonFor(skipped.find((i: Json) => i.InvoiceID === p.sourceId))!);
    assert.deepEqual(planned('vendor', 'link').map((p) => p.sourceId).sort(), Object.values(preexisting).map((p) => p.contact.ContactID).sort());
    assert.ok(planned('vendor', 'create').length > 0);
    assert.ok(planned('account', 'create').length >= 1, 'accounts the bills need are planned');

    assert.deepEqual(await sb.xeroState(), xeroBefore, 'Xero unchanged');
    assert.deepEqual(await sb.billState(), billBefore, 'BILL unchanged');
    assert.deepEqual(await sb.rowCounts(), { id_map: 0, records: 0, cursors: 0, audit_events: 0, runs: 0 });
  });

  test('the first sync succeeds', async () => {
    const result = await sb.sync();
    assert.equal(result.status, 'succeeded', JSON.stringify({ error: result.error, plan: result.plan }));
    assert.equal(result.counts['bill.create'], accpay(xero).filter(eligible).length);
  });

  test('GL accounts: matched by code, then by name; those eligible bills use and BILL lacks are created; no others', async () => {
    const billAccounts: Json[] = (await sb.billState()).chartOfAccounts;
    const rows = await sb.idMap('account');
    const rowFor = (code: string) => rows.find((r) => r.source_id === xero.accounts.find((a: Json) => a.Code === code)?.AccountID);
    // 400 is "Advertising & Marketing" in Xero and "Advertising" in BILL: the code decides.
    const byCode = rowFor('400');
    assert.equal(byCode.match_key, 'code');
    assert.equal(billAccounts.find((a) => a.id === byCode.target_id).account.number, '400');
    assert.equal(rowFor(nameMatchedCode).match_key, 'name');
    assert.equal(rowFor(nameMatchedCode).target_id, nameMatchedBillAccountId);

    const shouldCreate = usedCodes(xero).filter((c) => c !== nameMatchedCode && !billCodesBefore.has(c));
    const created = rows.filter((r) => r.match_key === 'created');
    assert.deepEqual(created.map((r) => xero.accounts.find((a: Json) => a.AccountID === r.source_id).Code).sort(), shouldCreate);
    for (const r of created) {
      const source = xero.accounts.find((a: Json) => a.AccountID === r.source_id);
      const target = billAccounts.find((a) => a.id === r.target_id);
      assert.deepEqual([target.name, target.account.number], [source.Name, source.Code]);
    }
    // Xero accounts no eligible bill uses are not created (e.g. 494 Travel - International).
    assert.equal(billAccounts.filter((a) => a.account?.number === '494').length, usedCodes(xero).includes('494') ? 1 : 0);
    assert.equal(new Set(billAccounts.map((a) => a.account?.number)).size, billAccounts.length, 'no account number twice in BILL');
  });

  test('vendors: suppliers become BILL vendors once; existing ones are matched by name, tax number, then email', async () => {
    const org = await sb.billState();
    const rows = await sb.idMap('vendor');
    for (const [by, p] of Object.entries(preexisting)) {
      const row = rows.find((r) => r.source_id === p.contact.ContactID);
      assert.equal(row?.target_id, p.billVendorId, `supplier matched by ${by}`);
      assert.match((await sb.record('vendor', p.contact.ContactID)).reason, new RegExp(`existing BILL vendor \\(${by}\\)`));
    }
    const suppliers = xero.contacts.filter((c: Json) => c.IsSupplier);
    assert.deepEqual(rows.map((r) => r.source_id).sort(), suppliers.map((c: Json) => c.ContactID).sort());
    assert.equal(new Set(rows.map((r) => r.target_id)).size, rows.length, 'one BILL vendor per supplier');
    assert.equal(org.vendors.length, suppliers.length, 'no duplicate vendors');
    for (const c of suppliers.filter((s: Json) => !Object.values(preexisting).some((p) => p.contact === s))) {
      const v = org.vendors.find((x: Json) => x.id === rows.find((r) => r.source_id === c.ContactID).target_id);
      assert.deepEqual([v.name, v.email, v.additionalInfo?.taxId, v.billCurrency], [c.Name, c.EmailAddress, c.TaxNumber, c.DefaultCurrency]);
      const pobox = c.Addresses.find((a: Json) => a.AddressType === 'POBOX');
      assert.deepEqual([v.address?.line1, v.address?.city, v.address?.zipOrPostalCode], [pobox.AddressLine1, pobox.City, pobox.PostalCode]);
    }
    const others = xero.contacts.filter((c: Json) => !c.IsSupplier).map((c: Json) => c.Name);
    assert.ok(others.length > 0);
    assert.equal(org.vendors.filter((v: Json) => others.includes(v.name)).length, 0, 'customers never become vendors');
  });

  test('bills: each approved, wholly unpaid ACCPAY bill is one BILL bill with its vendor, number, dates, currency, lines, accounts and departments', async () => {
    const org = await sb.billState();
    const vendorOf = new Map((await sb.idMap('vendor')).map((r) => [r.source_id, r.target_id]));
    const accountOf = new Map((await sb.idMap('account')).map((r) => [xero.accounts.find((a: Json) => a.AccountID === r.source_id).Code, r.target_id]));
    const departmentOf = new Map(org.departments.map((d: Json) => [d.name, d.id]));
    const linked = new Map((await sb.idMap('bill')).map((r) => [r.source_id, r]));
    let withDepartment = 0;
    for (const inv of accpay(xero).filter(eligible)) {
      const [bill, ...extra] = billFor(org, inv.InvoiceID);
      assert.ok(bill && extra.length === 0, `exactly one BILL bill for ${inv.InvoiceNumber}`);
      assert.equal(linked.get(inv.InvoiceID)?.target_id, bill.id);
      assert.equal(linked.get(inv.InvoiceID)?.state, 'linked');
      assert.equal(bill.vendorId, vendorOf.get(inv.Contact.ContactID));
      assert.deepEqual([bill.invoice.invoiceNumber, bill.invoice.invoiceDate, bill.dueDate], [inv.InvoiceNumber, ymd(inv.DateString), ymd(inv.DueDateString)]);
      assert.equal(org.vendors.find((v: Json) => v.id === bill.vendorId).billCurrency, inv.CurrencyCode);
      assert.equal(minor(bill.amount, inv.CurrencyCode), minor(inv.Total, inv.CurrencyCode));
      const want = expectedLines(inv);
      assert.deepEqual(
        bill.billLineItems.map((l: Json) => [minor(l.amount, inv.CurrencyCode), l.description, l.classifications.chartOfAccountId, l.classifications.departmentId ?? null]),
        want.map((l) => [l.amount, l.description, accountOf.get(l.accountCode), departmentOf.get(l.tracking.Department) ?? null]),
        `lines of ${inv.InvoiceNumber}`,
      );
      withDepartment += bill.billLineItems.filter((l: Json) => l.classifications.departmentId).length;
      assert.equal((await sb.record('bill', inv.InvoiceID)).status, 'synced');
    }
    assert.ok(withDepartment > 0, 'the seed tags some lines with a Department that BILL has');
    assert.equal(org.bills.length, accpay(xero).filter(eligible).length, 'no other BILL bills');
  });

  test('drafts, submitted, paid, partly paid, voided and deleted bills are skipped with their reason; ACCREC invoices and purchase orders never reach BILL', async () => {
    const statuses = new Set<string>();
    for (const inv of accpay(xero).filter((i) => !eligible(i))) {
      const record = await sb.record('bill', inv.InvoiceID);
      assert.equal(record?.status, 'skipped', inv.InvoiceNumber);
      assert.match(record.reason, skipReasonFor(inv)!);
      statuses.add(Number(inv.AmountPaid) > 0 && inv.Status === 'AUTHORISED' ? 'PARTLY_PAID' : inv.Status);
    }
    assert.deepEqual([...statuses].sort(), ['DELETED', 'DRAFT', 'PAID', 'PARTLY_PAID', 'SUBMITTED', 'VOIDED']);
    const notPayables = [
      ...xero.invoices.filter((i: Json) => i.Type === 'ACCREC').map((i: Json) => [i.InvoiceID, i.InvoiceNumber]),
      ...xero.purchaseOrders.map((p: Json) => [p.PurchaseOrderID, p.PurchaseOrderNumber]),
    ];
    assert.ok(notPayables.length >= 2);
    const org = await sb.billState();
    for (const [id, number] of notPayables) {
      assert.equal(await sb.record('bill', id), undefined);
      assert.equal(org.bills.filter((b: Json) => b.invoice.invoiceNumber === number || b.description?.includes(id)).length, 0, number);
    }
  });
});

/** Account codes used by lines of eligible bills. */
function usedCodes(xero: Json): string[] {
  return [...new Set(accpay(xero).filter(eligible).flatMap((i) => expectedLines(i).map((l) => l.accountCode)))].sort();
}
