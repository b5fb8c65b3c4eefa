import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { XeroEmulator } from '../../src/emulators/xero/index.ts';
import { XeroClient, aSupplier, advance, billInput, openXero, toRes } from './xero-helpers.ts';

let em: XeroEmulator;
let c: XeroClient;

before(async () => {
  ({ em, c } = await openXero({ seed: 3 }));
  em.seed({ seed: 3, bills: 150, suppliers: 20 });
});
after(() => em.stop());

const bills = () => [...em.state.primary.invoices.values()];

test('responses use the envelope, MS-JSON dates and UpdatedDateUTC on every record', async () => {
  const r = await c.get('/Invoices?page=1');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  assert.match(r.body.Id, /^[0-9a-f-]{36}$/);
  assert.equal(r.body.Status, 'OK');
  assert.equal(r.body.ProviderName, 'ML Connector Sandbox');
  assert.match(r.body.DateTimeUTC, /^\/Date\(\d+\)\/$/);
  for (const inv of r.body.Invoices) {
    assert.match(inv.UpdatedDateUTC, /^\/Date\(\d+\+0000\)\/$/);
    assert.match(inv.Date, /^\/Date\(\d+\+0000\)\/$/);
    assert.ok(Array.isArray(inv.LineItems));
  }
  for (const path of ['/Contacts', '/Accounts', '/Payments', '/PurchaseOrders']) {
    const list = await c.get(path);
    const plural = path.slice(1);
    assert.ok(list.body[plural].length > 0, path);
    for (const rec of list.body[plural]) assert.match(rec.UpdatedDateUTC, /^\/Date\(\d+\+0000\)\/$/, path);
  }
});

test('paging: 100 by default, pageSize up to 1000, pagination object; no page means every record without lines', async () => {
  const total = bills().length;
  assert.ok(total > 150);
  const p1 = await c.get('/Invoices?page=1');
  assert.equal(p1.body.Invoices.length, 100);
  assert.deepEqual(p1.body.pagination, { page: 1, pageSize: 100, pageCount: Math.ceil(total / 100), itemCount: total });
  const p2 = await c.get('/Invoices?page=2');
  assert.equal(p2.body.Invoices.length, total - 100);
  const ids = new Set([...p1.body.Invoices, ...p2.body.Invoices].map((i: { InvoiceID: string }) => i.InvoiceID));
  assert.equal(ids.size, total, 'pages neither overlap nor skip');
  const beyond = await c.get('/Invoices?page=9');
  assert.deepEqual(beyond.body.Invoices, []);
  const small = await c.get('/Invoices?page=3&pageSize=7');
  assert.equal(small.body.Invoices.length, 7);
  assert.equal(small.body.pagination.pageSize, 7);
  assert.equal(small.body.Invoices[0].InvoiceID, p1.body.Invoices[14].InvoiceID);
  const huge = await c.get('/Invoices?page=1&pageSize=5000');
  assert.equal(huge.body.pagination.pageSize, 1000);
  assert.equal(huge.body.Invoices.length, total);
  const unpaged = await c.get('/Invoices');
  assert.equal(unpaged.body.Invoices.length, total);
  assert.equal(unpaged.body.pagination, undefined);
  assert.equal(unpaged.body.Invoices[0].LineItems, undefined, 'line items come only with paging');
  const contacts = await c.get('/Contacts?page=1&pageSize=5');
  assert.equal(contacts.body.Contacts.length, 5);
  assert.equal(contacts.body.pagination.page, 1);
});

test('where: equality, AND/OR, Guid(), dotted paths, booleans, DateTime comparisons and Contains', async () => {
  const all = bills();
  const authorisedBills = all.filter((i) => i.Type === 'ACCPAY' && i.Status === 'AUTHORISED');
  const r = await c.get(`/Invoices?page=1&pageSize=1000&where=${encodeURIComponent('Type=="ACCPAY" AND Status=="AUTHORISED"')}`);
  assert.equal(r.body.Invoices.length, authorisedBills.length);
  const either = await c.get(`/Invoices?where=${encodeURIComponent('Status=="DRAFT" OR Status=="SUBMITTED"')}`);
  assert.equal(either.body.Invoices.length, all.filter((i) => i.Status === 'DRAFT' || i.Status === 'SUBMITTED').length);
  const not = await c.get(`/Invoices?where=${encodeURIComponent('Status!="DELETED"')}`);
  assert.equal(not.body.Invoices.length, all.filter((i) => i.Status !== 'DELETED').length);
  const contactId = aSupplier(em);
  const byContact = await c.get(`/Invoices?where=${encodeURIComponent(`Contact.ContactID==Guid("${contactId}")`)}`);
  assert.equal(byContact.body.Invoices.length, all.filter((i) => i.ContactID === contactId).length);
  assert.ok(byContact.body.Invoices.length > 0);
  const since = await c.get(`/Invoices?where=${encodeURIComponent('Date>=DateTime(2026,10,01) AND Date<DateTime(2026,10,15)')}`);
  assert.equal(since.body.Invoices.length, all.filter((i) => i.Date >= '2026-10-01' && i.Date < '2026-10-15').length);
  const suppliers = await c.get(`/Contacts?where=${encodeURIComponent('IsSupplier==true')}`);
  assert.equal(suppliers.body.Contacts.length, [...em.state.primary.contacts.values()].filter((x) => x.IsSupplier).length);
  const banks = await c.get(`/Accounts?where=${encodeURIComponent('Status=="ACTIVE" AND Type=="BANK"')}`);
  assert.ok(banks.body.Accounts.length >= 2);
  assert.ok(banks.body.Accounts.every((a: { Type: string }) => a.Type === 'BANK'));
  const like = await c.get(`/Contacts?where=${encodeURIComponent('Name.Contains("logistics")')}`);
  assert.ok(like.body.Contacts.every((x: { Name: string }) => /logistics/i.test(x.Name)));
  const bad = await c.get(`/Invoices?where=${encodeURIComponent('Status=="DRAFT" AND (')}`);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.Type, 'QueryParseException');
});

test('IDs, InvoiceNumbers, ContactIDs and Statuses narrow the list', async () => {
  const all = bills();
  const picked = all.slice(0, 3).map((i) => i.InvoiceID);
  const byIds = await c.get(`/Invoices?IDs=${picked.join(',')}`);
  assert.deepEqual(byIds.body.Invoices.map((i: { InvoiceID: string }) => i.InvoiceID).sort(), [...picked].sort());
  const statuses = await c.get('/Invoices?Statuses=DRAFT,VOIDED');
  assert.equal(statuses.body.Invoices.length, all.filter((i) => i.Status === 'DRAFT' || i.Status === 'VOIDED').length);
  const contactId = aSupplier(em);
  const byContact = await c.get(`/Invoices?ContactIDs=${contactId}`);
  assert.equal(byContact.body.Invoices.length, all.filter((i) => i.ContactID === contactId).length);
  const number = all.find((i) => i.Type === 'ACCREC')!.InvoiceNumber!;
  const byNumber = await c.get(`/Invoices?InvoiceNumbers=${encodeURIComponent(number)}`);
  assert.equal(byNumber.body.Invoices.length, 1);
  const contacts = [...em.state.primary.contacts.values()].slice(0, 2).map((x) => x.ContactID);
  const byContactIds = await c.get(`/Contacts?IDs=${contacts.join(',')}`);
  assert.equal(byContactIds.body.Contacts.length, 2);
});

test('order sorts ascending or descending on any field', async () => {
  const asc = await c.get('/Invoices?order=UpdatedDateUTC%20ASC');
  const times = asc.body.Invoices.map((i: { UpdatedDateUTC: string }) => Number(/\d+/.exec(i.UpdatedDateUTC)![0]));
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  const desc = await c.get('/Contacts?order=Name%20DESC');
  const names = desc.body.Contacts.map((x: { Name: string }) => x.Name.toLowerCase());
  assert.deepEqual(names, [...names].sort().reverse());
  const total = await c.get('/Invoices?order=Total%20DESC&page=1&pageSize=5');
  const totals = total.body.Invoices.map((i: { Total: number }) => i.Total);
  assert.deepEqual(totals, [...totals].sort((a, b) => b - a));
});

test('If-Modified-Since returns records updated at or after that second', async () => {
  await advance(em, 5);
  const mark = new Date(em.ctx.clock.now());
  const before = await c.get('/Invoices', { 'If-Modified-Since': mark.toISOString().slice(0, 19) });
  assert.deepEqual(before.body.Invoices, []);
  const created = await c.put('/Invoices', { Invoices: [billInput(aSupplier(em), { InvoiceNumber: 'IMS-1' })] });
  assert.equal(created.status, 200);
  const sameSecond = await c.get('/Invoices', { 'If-Modified-Since': mark.toISOString().slice(0, 19) });
  assert.equal(sameSecond.body.Invoices.length, 1);
  assert.equal(sameSecond.body.Invoices[0].InvoiceNumber, 'IMS-1');
  // The spec's date-time with a zone (xero_accounting.yaml ifModifiedSince) reads the same.
  const zoned = await c.get('/Invoices', { 'If-Modified-Since': `${mark.toISOString().slice(0, 19)}Z` });
  assert.equal(zoned.body.Invoices.length, 1);
  const offset = new Date(mark.getTime() - 8 * 3_600_000).toISOString().slice(0, 19);
  assert.equal((await c.get('/Invoices', { 'If-Modified-Since': `${offset}-08:00` })).body.Invoices.length, 1);
  await advance(em, 2);
  const later = await c.get('/Invoices', { 'If-Modified-Since': new Date(em.ctx.clock.now()).toISOString() });
  assert.deepEqual(later.body.Invoices, []);
  const contacts = await c.get('/Contacts', { 'If-Modified-Since': mark.toISOString() });
  assert.deepEqual(contacts.body.Contacts, [], 'IsSupplier staying true moves no contact UpdatedDateUTC');
});

test('a malformed If-Modified-Since is refused with 400, not read as "everything"', async () => {
  for (const value of [new Date(em.ctx.clock.now()).toUTCString(), '2026-01-05', '2026-02-30T00:00:00', '2026-01-05T10:00', 'yesterday']) {
    const res = await c.get('/Invoices', { 'If-Modified-Since': value });
    assert.equal(res.status, 400, value);
    assert.equal(res.body.Type, 'ValidationException', value);
    assert.match(res.body.Message, /If-Modified-Since/, value);
  }
  assert.equal((await c.get('/Contacts', { 'If-Modified-Since': 'Mon, 05 Jan 2026 10:00:00 GMT' })).status, 400);
  assert.equal((await c.get('/Invoices', { 'If-Modified-Since': '2026-01-05T10:00:00' })).status, 200, 'the documented form');
});

test('unknown ids answer 404 with Xero plain text; single GETs by id and number', async () => {
  const missing = await c.get('/Invoices/00000000-0000-4000-8000-000000000000');
  assert.equal(missing.status, 404);
  assert.equal(missing.text, "The resource you're looking for cannot be found");
  const unknownPath = await c.get('/NoSuchThing');
  assert.equal(unknownPath.status, 404);
  assert.equal(unknownPath.text, "The resource you're looking for cannot be found");
  for (const path of ['/Contacts/00000000-0000-4000-8000-000000000000', '/Payments/nope', '/Accounts/x', '/PurchaseOrders/PO-9999', '/TrackingCategories/x']) {
    assert.equal((await c.get(path)).status, 404, path);
  }
  const inv = bills()[0]!;
  const one = await c.get(`/Invoices/${inv.InvoiceID.toUpperCase()}`);
  assert.equal(one.body.Invoices[0].InvoiceID, inv.InvoiceID);
  const contact = await c.get(`/Contacts/${aSupplier(em)}`);
  assert.ok(contact.body.Contacts[0].Balances.AccountsPayable);
});

test('only JSON: without Accept: application/json the answer is 406 with a short XML error', async () => {
  const r = await toRes(await fetch(`${em.urls.api}/Organisation`, { headers: { authorization: `Bearer ${c.accessToken}`, 'xero-tenant-id': c.tenantId } }));
  assert.equal(r.status, 406);
  assert.match(r.headers.get('content-type') ?? '', /xml/);
  assert.match(r.text, /Accept: application\/json/);
  assert.ok(r.headers.get('x-minlimit-remaining'));
});

test('contacts: ARCHIVED left out unless includeArchived=true; searchTerm', async () => {
  const target = [...em.state.primary.contacts.values()].find((x) => !x.IsSupplier && !x.IsCustomer) ?? [...em.state.primary.contacts.values()][0]!;
  const archived = await c.post(`/Contacts/${target.ContactID}`, { Contacts: [{ ContactStatus: 'ARCHIVED' }] });
  assert.equal(archived.status, 200);
  const active = await c.get('/Contacts');
  assert.ok(!active.body.Contacts.some((x: { ContactID: string }) => x.ContactID === target.ContactID));
  const withArchived = await c.get('/Contacts?includeArchived=true');
  assert.ok(withArchived.body.Contacts.some((x: { ContactID: string }) => x.ContactID === target.ContactID));
  const search = await c.get(`/Contacts?searchTerm=${encodeURIComponent(target.Name.slice(0, 5).toUpperCase())}&includeArchived=true`);
  assert.ok(search.body.Contacts.some((x: { ContactID: string }) => x.ContactID === target.ContactID));
  const tracking = await c.get('/TrackingCategories');
  assert.equal(tracking.body.TrackingCategories.length, 2);
  assert.equal((await c.get('/TrackingCategories?includeArchived=true')).body.TrackingCategories.length, 3);
});
