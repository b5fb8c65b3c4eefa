import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XeroClient, aSupplier, billInput, openXero } from './xero-helpers.ts';
import type { XeroEmulator } from '../../src/emulators/xero/index.ts';

async function withXero(fn: (em: XeroEmulator, c: XeroClient) => Promise<void>): Promise<void> {
  const { em, c } = await openXero({ seed: 17 });
  try {
    await fn(em, c);
  } finally {
    await em.stop();
  }
}

test('amounts are computed exactly: LineAmount, SubTotal, TotalTax, Total, AmountDue', () =>
  withXero(async (em, c) => {
    const supplier = aSupplier(em);
    const r = await c.put('/Invoices', {
      Invoices: [
        billInput(supplier, {
          LineItems: [
            { Description: 'a', Quantity: 3, UnitAmount: 0.1, AccountCode: '453' },
            { Description: 'b', Quantity: 1, UnitAmount: 0.2, AccountCode: '453' },
            { Description: 'c', Quantity: 2.5, UnitAmount: 19.99, AccountCode: '453', TaxType: 'TAX001' },
          ],
        }),
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const inv = r.body.Invoices[0];
    assert.deepEqual(inv.LineItems.map((l: { LineAmount: number }) => l.LineAmount), [0.3, 0.2, 49.98]);
    // 8.25% of 49.98 = 4.12335 → 4.12
    assert.equal(inv.LineItems[2].TaxAmount, 4.12);
    assert.equal(inv.SubTotal, 50.48);
    assert.equal(inv.TotalTax, 4.12);
    assert.equal(inv.Total, 54.6);
    assert.equal(inv.AmountDue, 54.6);
    assert.equal(inv.AmountPaid, 0);
    assert.equal(inv.Status, 'DRAFT');
    assert.match(inv.LineItems[0].LineItemID, /^[0-9a-f-]{36}$/);
    const stored = em.state.primary.invoices.get(inv.InvoiceID)!;
    assert.equal(stored.Total, 5460n, 'kept as integer cents');

    const inclusive = await c.put('/Invoices', { Invoices: [billInput(supplier, { LineAmountTypes: 'Inclusive', LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 108.25, AccountCode: '453', TaxType: 'TAX001' }] })] });
    const i2 = inclusive.body.Invoices[0];
    assert.equal(i2.Total, 108.25);
    assert.equal(i2.TotalTax, 8.25);
    assert.equal(i2.SubTotal, 100);
    const onlyAmount = await c.put('/Invoices', { Invoices: [billInput(supplier, { LineItems: [{ Description: 'fee', LineAmount: 12.34, AccountCode: '404' }] })] });
    assert.equal(onlyAmount.body.Invoices[0].LineItems[0].Quantity, 1);
    assert.equal(onlyAmount.body.Invoices[0].LineItems[0].UnitAmount, 12.34);
  }));

test('validation: 400 ValidationException by default, nothing written; summarizeErrors=false writes the valid ones', () =>
  withXero(async (em, c) => {
    const supplier = aSupplier(em);
    const before = em.state.primary.invoices.size;
    const batch = {
      Invoices: [
        billInput(supplier, { InvoiceNumber: 'OK-1' }),
        billInput(supplier, { InvoiceNumber: 'BAD-1', LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 5, AccountCode: '476' }] }),
        billInput(supplier, { InvoiceNumber: 'BAD-2', LineItems: [{ Description: 'x', Quantity: 2, UnitAmount: 5, LineAmount: 11, AccountCode: '453' }] }),
      ],
    };
    const summarized = await c.put('/Invoices', batch);
    assert.equal(summarized.status, 400);
    assert.equal(summarized.body.ErrorNumber, 10);
    assert.equal(summarized.body.Type, 'ValidationException');
    assert.equal(summarized.body.Message, 'A validation exception occurred');
    assert.equal(summarized.body.Elements.length, 2);
    assert.equal(summarized.body.Elements[0].InvoiceNumber, 'BAD-1');
    assert.deepEqual(summarized.body.Elements[0].ValidationErrors, [{ Message: "Account code '476' has been removed as it does not match a recognised account." }]);
    assert.deepEqual(summarized.body.Elements[1].ValidationErrors, [{ Message: 'The line total 11.00 does not match the expected line total 10.00' }]);
    assert.equal(em.state.primary.invoices.size, before, 'all or nothing');

    const mixed = await c.put('/Invoices?summarizeErrors=false', batch);
    assert.equal(mixed.status, 200);
    const [ok, bad1, bad2] = mixed.body.Invoices;
    assert.equal(ok.StatusAttributeString, 'OK');
    assert.equal(ok.HasErrors, false);
    assert.equal(bad1.HasErrors, true);
    assert.equal(bad1.StatusAttributeString, 'ERROR');
    assert.equal(bad1.ValidationErrors.length, 1);
    assert.equal(bad2.StatusAttributeString, 'ERROR');
    assert.equal(em.state.primary.invoices.size, before + 1);

    const noContact = await c.put('/Invoices', { Invoices: [{ Type: 'ACCPAY', Contact: {}, LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 1, AccountCode: '453' }] }] });
    assert.equal(noContact.body.Elements[0].ValidationErrors[0].Message, 'The Contact must contain at least 1 of the following elements to identify the contact: Name, ContactID, ContactNumber');
  }));

test('malformed JSON is 400 PostDataInvalidException (ErrorNumber 14); bodies over 3.5 MB are 413', () =>
  withXero(async (_em, c) => {
    const bad = await c.put('/Invoices', '{"Invoices": [ {');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.ErrorNumber, 14);
    assert.equal(bad.body.Type, 'PostDataInvalidException');
    const big = await c.put('/Invoices', JSON.stringify({ Invoices: [{ Type: 'ACCPAY', Url: 'x'.repeat(3_700_000) }] }));
    assert.equal(big.status, 413);
  }));

test('ACCPAY: discounts refused, max 2 tracking entries from ACTIVE categories, numbers may repeat; ACCREC numbers unique', () =>
  withXero(async (em, c) => {
    const supplier = aSupplier(em);
    const discount = await c.put('/Invoices', { Invoices: [billInput(supplier, { LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 10, AccountCode: '453', DiscountRate: 10 }] })] });
    assert.equal(discount.status, 400);
    assert.match(discount.body.Elements[0].ValidationErrors[0].Message, /Discount/);

    const tracking = (n: number) => [
      { Name: 'Region', Option: 'East' },
      { Name: 'Department', Option: 'Sales' },
      { Name: 'Project', Option: 'Alpha' },
    ].slice(0, n);
    const two = await c.put('/Invoices', { Invoices: [billInput(supplier, { LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 10, AccountCode: '453', Tracking: tracking(2) }] })] });
    assert.equal(two.status, 200);
    const line = two.body.Invoices[0].LineItems[0];
    assert.deepEqual(line.Tracking.map((t: { Name: string; Option: string }) => `${t.Name}:${t.Option}`), ['Region:East', 'Department:Sales']);
    assert.match(line.Tracking[0].TrackingCategoryID, /^[0-9a-f-]{36}$/);
    const three = await c.put('/Invoices', { Invoices: [billInput(supplier, { LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 10, AccountCode: '453', Tracking: tracking(3) }] })] });
    assert.equal(three.status, 400);
    const archived = await c.put('/Invoices', { Invoices: [billInput(supplier, { LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 10, AccountCode: '453', Tracking: [{ Name: 'Project', Option: 'Alpha' }] }] })] });
    assert.equal(archived.status, 400);

    const repeat = await c.put('/Invoices', { Invoices: [billInput(supplier, { InvoiceNumber: 'SAME' }), billInput(supplier, { InvoiceNumber: 'SAME' })] });
    assert.equal(repeat.status, 200);
    const customer = [...em.state.primary.contacts.values()].find((x) => x.IsCustomer)!;
    const sale = (n?: string) => ({ Type: 'ACCREC', Contact: { ContactID: customer.ContactID }, ...(n ? { InvoiceNumber: n } : {}), LineItems: [{ Description: 's', Quantity: 1, UnitAmount: 50, AccountCode: '200', DiscountRate: 10 }] });
    const first = await c.put('/Invoices', { Invoices: [sale('INV-9000')] });
    assert.equal(first.status, 200);
    assert.equal(first.body.Invoices[0].Total, 45, 'discounts apply on ACCREC');
    const dup = await c.put('/Invoices', { Invoices: [sale('inv-9000')] });
    assert.equal(dup.status, 400);
    assert.deepEqual(dup.body.Elements[0].ValidationErrors, [{ Message: 'Invoice # must be unique.' }]);
    const auto = await c.put('/Invoices', { Invoices: [sale()] });
    assert.match(auto.body.Invoices[0].InvoiceNumber, /^INV-\d{4}$/);
  }));

test('status machine: DRAFT→SUBMITTED→AUTHORISED; delete only DRAFT/SUBMITTED; void only unpaid AUTHORISED; VOIDED is final', () =>
  withXero(async (em, c) => {
    const supplier = aSupplier(em);
    const created = await c.put('/Invoices', { Invoices: [billInput(supplier)] });
    const id = created.body.Invoices[0].InvoiceID;
    const move = (Status: string) => c.post(`/Invoices/${id}`, { Invoices: [{ Status }] });
    assert.equal((await move('SUBMITTED')).body.Invoices[0].Status, 'SUBMITTED');
    assert.equal((await move('AUTHORISED')).body.Invoices[0].Status, 'AUTHORISED');
    const del = await move('DELETED');
    assert.equal(del.status, 400);
    assert.equal(del.body.Elements[0].ValidationErrors[0].Message, 'Invoice not of valid status for modification');
    assert.equal((await move('DRAFT')).status, 400);
    assert.equal((await move('PAID')).status, 400);
    const voided = await move('VOIDED');
    assert.equal(voided.body.Invoices[0].Status, 'VOIDED');
    assert.equal(voided.body.Invoices[0].AmountDue, 0);
    assert.equal((await c.post(`/Invoices/${id}`, { Invoices: [{ Reference: 'late edit' }] })).status, 400);

    const draft = await c.put('/Invoices', { Invoices: [billInput(supplier)] });
    const draftId = draft.body.Invoices[0].InvoiceID;
    assert.equal((await c.post(`/Invoices/${draftId}`, { Invoices: [{ Status: 'VOIDED' }] })).status, 400);
    const deleted = await c.post('/Invoices', { Invoices: [{ InvoiceID: draftId, Status: 'DELETED' }] });
    assert.equal(deleted.body.Invoices[0].Status, 'DELETED');
    const listed = await c.get(`/Invoices?IDs=${draftId}`);
    assert.equal(listed.body.Invoices[0].Status, 'DELETED', 'deleted documents stay readable');

    const badCreate = await c.put('/Invoices', { Invoices: [billInput(supplier, { Status: 'PAID' })] });
    assert.equal(badCreate.body.Elements[0].ValidationErrors[0].Message, 'Invoice not of valid status for creation');
    const noAccount = await c.put('/Invoices', { Invoices: [billInput(supplier, { Status: 'AUTHORISED', LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 5 }] })] });
    assert.equal(noAccount.status, 400);
    const draftNoAccount = await c.put('/Invoices', { Invoices: [billInput(supplier, { LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 5 }] })] });
    assert.equal(draftNoAccount.status, 200, 'a DRAFT may lack an account');
  }));

test('lines without LineItemID replace all lines; with LineItemID they update in place', () =>
  withXero(async (em, c) => {
    const created = await c.put('/Invoices', {
      Invoices: [billInput(aSupplier(em), { LineItems: [{ Description: 'one', Quantity: 1, UnitAmount: 10, AccountCode: '453' }, { Description: 'two', Quantity: 1, UnitAmount: 20, AccountCode: '453' }] })],
    });
    const inv = created.body.Invoices[0];
    const [l1] = inv.LineItems;
    const partial = await c.post(`/Invoices/${inv.InvoiceID}`, { Invoices: [{ LineItems: [{ LineItemID: l1.LineItemID, Quantity: 3 }] }] });
    const p = partial.body.Invoices[0];
    assert.equal(p.LineItems.length, 1, 'lines left out are removed');
    assert.equal(p.LineItems[0].LineItemID, l1.LineItemID);
    assert.equal(p.LineItems[0].Description, 'one', 'omitted fields are kept');
    assert.equal(p.LineItems[0].LineAmount, 30);
    assert.equal(p.Total, 30);
    const replaced = await c.post(`/Invoices/${inv.InvoiceID}`, { Invoices: [{ LineItems: [{ Description: 'new', Quantity: 2, UnitAmount: 7.5, AccountCode: '429' }] }] });
    const r = replaced.body.Invoices[0];
    assert.equal(r.LineItems.length, 1);
    assert.notEqual(r.LineItems[0].LineItemID, l1.LineItemID);
    assert.equal(r.Total, 15);
  }));

test('a document with payments refuses total-changing edits but takes account and tracking changes by LineItemID', () =>
  withXero(async (em, c) => {
    const created = await c.put('/Invoices', { Invoices: [billInput(aSupplier(em), { Status: 'AUTHORISED' })] });
    const inv = created.body.Invoices[0];
    const paid = await c.put('/Payments', { Payments: [{ Invoice: { InvoiceID: inv.InvoiceID }, Account: { Code: '090' }, Date: '2026-11-05', Amount: 50 }] });
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    const lineId = inv.LineItems[0].LineItemID;
    const amountEdit = await c.post(`/Invoices/${inv.InvoiceID}`, { Invoices: [{ LineItems: [{ LineItemID: lineId, Quantity: 4 }] }] });
    assert.equal(amountEdit.status, 400);
    const noId = await c.post(`/Invoices/${inv.InvoiceID}`, { Invoices: [{ LineItems: [{ Description: 'Widgets', Quantity: 3, UnitAmount: 33.33, AccountCode: '453' }] }] });
    assert.equal(noId.body.Elements[0].ValidationErrors[0].Message, 'To update fields on a paid invoice line item, you must supply a LineItemID');
    const voidIt = await c.post(`/Invoices/${inv.InvoiceID}`, { Invoices: [{ Status: 'VOIDED' }] });
    assert.equal(voidIt.status, 400);
    const recode = await c.post(`/Invoices/${inv.InvoiceID}`, { Invoices: [{ LineItems: [{ LineItemID: lineId, AccountCode: '461', Tracking: [{ Name: 'Region', Option: 'West' }] }] }] });
    assert.equal(recode.status, 200);
    assert.equal(recode.body.Invoices[0].LineItems[0].AccountCode, '461');
    assert.equal(recode.body.Invoices[0].AmountPaid, 50);

    // The documented blind spot: a DueDate change on a part-paid bill does not move UpdatedDateUTC.
    const stamp = em.state.primary.invoices.get(inv.InvoiceID)!.UpdatedDateUTC;
    em.ctx.clock.advance(5000);
    const due = await c.post(`/Invoices/${inv.InvoiceID}`, { Invoices: [{ DueDate: '2027-01-31' }] });
    assert.equal(due.status, 200);
    assert.equal(due.body.Invoices[0].DueDateString, '2027-01-31T00:00:00');
    assert.equal(em.state.primary.invoices.get(inv.InvoiceID)!.UpdatedDateUTC, stamp);
  }));

test('contacts: unique Name among ACTIVE contacts, IsSupplier read-only and set by the first ACCPAY, new Name on a bill creates the contact', () =>
  withXero(async (em, c) => {
    const created = await c.put('/Contacts', { Contacts: [{ Name: 'Brand New Supplier LLC', EmailAddress: 'ap@brand-new.example', IsSupplier: true }] });
    assert.equal(created.status, 200);
    const contact = created.body.Contacts[0];
    assert.equal(contact.IsSupplier, false, 'IsSupplier cannot be set');
    const dup = await c.put('/Contacts', { Contacts: [{ Name: 'brand new supplier llc' }] });
    assert.equal(dup.status, 400);
    assert.equal(dup.body.Elements[0].ValidationErrors[0].Message, 'The contact name brand new supplier llc is already assigned to another contact. The contact name must be unique across all active contacts.');
    const badEmail = await c.put('/Contacts', { Contacts: [{ Name: 'Mail Co', EmailAddress: 'not-an-email' }] });
    assert.equal(badEmail.body.Elements[0].ValidationErrors[0].Message, 'Email address must be valid.');

    await c.put('/Invoices', { Invoices: [billInput(contact.ContactID)] });
    const after = await c.get(`/Contacts/${contact.ContactID}`);
    assert.equal(after.body.Contacts[0].IsSupplier, true);
    assert.equal(after.body.Contacts[0].UpdatedDateUTC, contact.UpdatedDateUTC, 'the flag does not bump UpdatedDateUTC');

    const archived = await c.post('/Contacts', { Contacts: [{ ContactID: contact.ContactID, ContactStatus: 'ARCHIVED' }] });
    assert.equal(archived.body.Contacts[0].ContactStatus, 'ARCHIVED');
    const reuse = await c.put('/Contacts', { Contacts: [{ Name: 'Brand New Supplier LLC' }] });
    assert.equal(reuse.status, 200, 'an archived contact frees its name');

    const byName = await c.put('/Invoices', { Invoices: [{ ...billInput(''), Contact: { Name: 'Walk-in Vendor Ltd' } }] });
    assert.equal(byName.status, 200);
    const newContact = [...em.state.primary.contacts.values()].find((x) => x.Name === 'Walk-in Vendor Ltd');
    assert.ok(newContact?.IsSupplier);
    const rename = await c.post(`/Contacts/${newContact!.ContactID}`, { Contacts: [{ Name: 'Walk-in Vendor Limited', ContactNumber: 'BILL-00042' }] });
    assert.equal(rename.body.Contacts[0].Name, 'Walk-in Vendor Limited');
    const byNumber = await c.get('/Contacts/BILL-00042');
    assert.equal(byNumber.body.Contacts[0].ContactID, newContact!.ContactID);
  }));

test('Idempotency-Key replays the first answer without writing twice; a different request with the same key is 400', () =>
  withXero(async (em, c) => {
    const body = { Invoices: [billInput(aSupplier(em), { InvoiceNumber: 'IDEM-1' })] };
    const before = em.state.primary.invoices.size;
    const a = await c.put('/Invoices', body, { 'Idempotency-Key': 'key-1' });
    const b = await c.put('/Invoices', body, { 'Idempotency-Key': 'key-1' });
    assert.equal(a.status, 200);
    assert.deepEqual(b.body, a.body);
    assert.equal(em.state.primary.invoices.size, before + 1);
    const other = await c.put('/Invoices', { Invoices: [billInput(aSupplier(em), { InvoiceNumber: 'IDEM-2' })] }, { 'Idempotency-Key': 'key-1' });
    assert.equal(other.status, 400);
  }));

test('accounts, tracking categories and purchase orders can be created with their rules', () =>
  withXero(async (em, c) => {
    const acc = await c.put('/Accounts', { Code: '498', Name: 'Software Subscriptions', Type: 'EXPENSE' });
    assert.equal(acc.status, 200);
    assert.equal(acc.body.Accounts[0].Class, 'EXPENSE');
    const dupName = await c.put('/Accounts', { Code: '499', Name: 'software subscriptions', Type: 'EXPENSE' });
    assert.deepEqual(dupName.body.Elements[0].ValidationErrors, [{ Message: 'Please enter a unique Name.' }]);
    const third = await c.put('/TrackingCategories', { Name: 'Cost Centre' });
    assert.equal(third.status, 400, 'at most 2 ACTIVE tracking categories');
    const po = await c.put('/PurchaseOrders', { PurchaseOrders: [{ Contact: { ContactID: aSupplier(em) }, Date: '2026-11-03', LineItems: [{ Description: 'Chairs', Quantity: 4, UnitAmount: 125, AccountCode: '453' }] }] });
    assert.equal(po.status, 200);
    assert.match(po.body.PurchaseOrders[0].PurchaseOrderNumber, /^PO-\d{4}$/);
    assert.equal(po.body.PurchaseOrders[0].Total, 500);
    const dupPo = await c.put('/PurchaseOrders', { PurchaseOrders: [{ Contact: { ContactID: aSupplier(em) }, PurchaseOrderNumber: po.body.PurchaseOrders[0].PurchaseOrderNumber, LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 1 }] }] });
    assert.deepEqual(dupPo.body.Elements[0].ValidationErrors, [{ Message: 'Order number must be unique' }]);
  }));

test('a line whose unit amount was derived keeps its exact amounts when only its account changes', () =>
  withXero(async (em, c) => {
    const created = await c.put('/Invoices', { Invoices: [billInput(aSupplier(em), { Status: 'AUTHORISED', LineItems: [{ Description: 'split', Quantity: 300, LineAmount: 100, AccountCode: '453' }] })] });
    const inv = created.body.Invoices[0];
    assert.equal(inv.LineItems[0].UnitAmount, 0.33, '100 / 300, kept to 4 places inside');
    assert.equal(inv.Total, 100);
    await c.put('/Payments', { Payments: [{ Invoice: { InvoiceID: inv.InvoiceID }, Account: { Code: '090' }, Date: '2026-11-05', Amount: 4 }] });
    const recode = await c.post(`/Invoices/${inv.InvoiceID}`, { Invoices: [{ LineItems: [{ LineItemID: inv.LineItems[0].LineItemID, AccountCode: '429' }] }] });
    assert.equal(recode.status, 200, JSON.stringify(recode.body));
    assert.equal(recode.body.Invoices[0].LineItems[0].LineAmount, 100, 'not 300 × 0.3333 = 99.99');
    assert.equal(recode.body.Invoices[0].AmountDue, 96);
  }));
