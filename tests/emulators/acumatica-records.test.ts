import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAcumaticaEmulator, type AcumaticaEmulator } from '../../src/emulators/acumatica/index.ts';
import { AcuClient, control, openAcumatica, values, wrap } from './acumatica-helpers.ts';

let acu: AcumaticaEmulator;
let c: AcuClient;
before(async () => {
  ({ acu, c } = await openAcumatica({ seed: 12 }));
});
after(async () => {
  await c.logout();
  await acu.stop();
});

const systemKeys = new Set(['id', 'rowNumber', 'note', 'custom', 'error', 'files']);

/** Every field but the system ones is an object holding at most `value` and `error`. */
function assertWrapped(record: Record<string, unknown>, where: string): void {
  assert.match(String(record.id), /^[0-9a-f-]{36}$/, `${where}: id`);
  assert.equal(typeof record.rowNumber, 'number', `${where}: rowNumber`);
  for (const [k, v] of Object.entries(record)) {
    if (systemKeys.has(k)) continue;
    if (Array.isArray(v)) {
      v.forEach((row, i) => assertWrapped(row as Record<string, unknown>, `${where}.${k}[${i}]`));
      continue;
    }
    assert.ok(v && typeof v === 'object', `${where}.${k} is not wrapped`);
    const keys = Object.keys(v as object);
    if (keys.some((x) => x !== 'value' && x !== 'error')) assertWrapped(v as Record<string, unknown>, `${where}.${k}`);
  }
}

test('a realistic seed: dozens of vendors, about a hundred bills in mixed statuses and types, cash accounts, segmented subaccounts, POs', async () => {
  const bills = (await c.get('/Bill')).body as Record<string, unknown>[];
  assert.equal(bills.length, 100);
  const statuses = new Set(bills.map((b) => values(b).Status));
  for (const s of ['On Hold', 'Balanced', 'Open', 'Closed']) assert.ok(statuses.has(s), `a ${s} bill`);
  const types = new Set(bills.map((b) => values(b).Type));
  assert.deepEqual([...types].sort(), ['Bill', 'Credit Adj.', 'Debit Adj.']);
  assert.ok(((await c.get('/Vendor')).body as unknown[]).length >= 30);
  const cash = (await c.get('/Account?$filter=CashAccount eq true')).body as Record<string, unknown>[];
  assert.deepEqual(cash.map((a) => values(a).AccountCD), ['10100', '10200', '10300']);
  const subs = (await c.get('/Subaccount')).body as Record<string, unknown>[];
  assert.equal(subs.length, 15);
  assert.ok(subs.every((s) => /^\d{6}$/.test(String(values(s).SubaccountCD))));
  assert.equal(((await c.get('/PurchaseOrder')).body as unknown[]).length, 5);
});

test('the seed is deterministic: the same seed gives the same records and ids on another instance, another seed does not', async () => {
  const same = await startAcumaticaEmulator({ seed: 12 });
  const other = await startAcumaticaEmulator({ seed: 99 });
  try {
    const records = (em: AcumaticaEmulator) => (em.dump().tenants as { records: unknown }[])[0]!.records;
    const fresh = await startAcumaticaEmulator({ seed: 12 });
    try {
      assert.deepEqual(records(same), records(fresh));
    } finally {
      await fresh.stop();
    }
    assert.notDeepEqual(records(same), records(other));
  } finally {
    await same.stop();
    await other.stop();
  }
});

test('every field comes wrapped as {"value": …} with id and rowNumber on records, linked entities and details; details only with $expand', async () => {
  const plain = (await c.get('/Bill?$top=3')).body as Record<string, unknown>[];
  plain.forEach((b, i) => assertWrapped(b, `Bill[${i}]`));
  assert.ok(plain.every((b) => !('Details' in b)), 'no Details without $expand');
  const expanded = (await c.get('/Bill?$top=3&$expand=Details,Applications')).body as Record<string, unknown>[];
  expanded.forEach((b, i) => assertWrapped(b, `Bill[${i}]`));
  assert.ok(expanded.every((b) => Array.isArray(b.Details) && (b.Details as unknown[]).length > 0));
  const vendor = (await c.get('/Vendor/V00001?$expand=MainContact')).body;
  assertWrapped(vendor, 'Vendor');
  assert.match(vendor.MainContact.Email.value, /@/);
  assert.equal(vendor.MainContact.Address.City.value, 'Springfield');
  assert.equal((await c.get('/Vendor/V00001')).body.MainContact, undefined);
});

test('$select returns only the named fields; $top and $skip page with $skip first and rowNumber counting on', async () => {
  const sel = (await c.get('/Vendor?$select=VendorID,VendorName&$top=2')).body as Record<string, unknown>[];
  assert.deepEqual(Object.keys(sel[0]!).sort(), ['VendorID', 'VendorName', 'custom', 'id', 'note', 'rowNumber']);
  const page1 = (await c.get('/Bill?$select=ReferenceNbr&$top=10')).body as Record<string, unknown>[];
  const page2 = (await c.get('/Bill?$select=ReferenceNbr&$top=10&$skip=10')).body as Record<string, unknown>[];
  assert.equal(page1.length, 10);
  assert.equal(page2[0]!.rowNumber, 11);
  assert.equal(new Set([...page1, ...page2].map((b) => values(b).ReferenceNbr)).size, 20);
  assert.equal((await c.get('/Bill?$top=abc')).status, 400);
});

test('$filter: eq, and, or, ne, startswith and LastModifiedDateTime gt datetimeoffset (URL-encoded) for incremental polls', async () => {
  const open = (await c.get(`/Bill?$filter=${encodeURIComponent("Status eq 'Open' and Type eq 'Bill'")}`)).body as Record<string, unknown>[];
  assert.ok(open.length > 0 && open.every((b) => values(b).Status === 'Open' && values(b).Type === 'Bill'));
  const either = (await c.get(`/Bill?$filter=${encodeURIComponent("Status eq 'On Hold' or Status eq 'Balanced'")}`)).body as Record<string, unknown>[];
  assert.ok(either.length > 0 && either.every((b) => ['On Hold', 'Balanced'].includes(String(values(b).Status))));
  const v = (await c.get(`/Vendor?$filter=${encodeURIComponent("startswith(VendorName,'Acme')")}`)).body as Record<string, unknown>[];
  assert.deepEqual(v.map((x) => values(x).VendorID), ['V00001']);
  const since = new Date(acu.ctx.clock.now()).toISOString();
  const q = (iso: string) => `/Vendor?$filter=${encodeURIComponent(`LastModifiedDateTime gt datetimeoffset'${iso}'`)}`;
  assert.deepEqual((await c.get(q(since))).body, [], 'nothing changed since now');
  await control(acu, 'POST', '/clock', { advanceSeconds: 5 });
  const upd = await c.put('/Vendor', wrap({ VendorID: 'V00003', VendorName: 'Cascade Utilities Inc' }));
  assert.equal(upd.status, 200);
  assert.ok(Date.parse(upd.body.LastModifiedDateTime.value) > Date.parse(since), 'LastModifiedDateTime moved on save');
  const changed = (await c.get(q(since))).body as Record<string, unknown>[];
  assert.deepEqual(changed.map((x) => values(x).VendorID), ['V00003']);
  const badFilter = await c.get(`/Bill?$filter=${encodeURIComponent('Status equals 1')}`);
  assert.equal(badFilter.status, 400);
  assert.ok(badFilter.body.message);
});

test('PUT upserts by key fields: create, then update the same record; If-None-Match: * and If-Match: * give 412', async () => {
  const created = await c.put('/Vendor', { ...wrap({ VendorID: 'NEWV1', VendorName: 'New Vendor One' }), MainContact: { Email: { value: 'ap@new.example.com' } } }, { 'if-none-match': '*' });
  assert.equal(created.status, 200);
  assert.equal(created.body.VendorID.value, 'NEWV1');
  assert.equal(created.body.Status.value, 'Active');
  const again = await c.put('/Vendor', wrap({ VendorID: 'NEWV1', VendorName: 'Again' }), { 'if-none-match': '*' });
  assert.equal(again.status, 412);
  assert.ok(again.body.message);
  const missing = await c.put('/Vendor', wrap({ VendorID: 'NOPE9', VendorName: 'Missing' }), { 'if-match': '*' });
  assert.equal(missing.status, 412);
  const updated = await c.put('/Vendor', wrap({ VendorID: 'NEWV1', VendorName: 'New Vendor One Ltd' }), { 'if-match': '*' });
  assert.equal(updated.status, 200);
  assert.equal(updated.body.id, created.body.id);
  const byId = await c.get(`/Vendor/${created.body.id}?$expand=MainContact`);
  assert.equal(byId.body.VendorName.value, 'New Vendor One Ltd');
  assert.equal(byId.body.MainContact.Email.value, 'ap@new.example.com');
  const patched = await c.call('PATCH', '/Vendor', wrap({ VendorID: 'NOPE8', VendorName: 'x' }));
  assert.equal(patched.status, 404);
});

test('422 echoes the entity with an error on each refused field; a bare value or unknown field is 400 HttpError', async () => {
  const res = await c.put('/Bill', { ...wrap({ Type: 'Bill', Vendor: 'NOSUCH' }), Details: [wrap({ Account: '99999', Subaccount: '000000', ExtendedCost: 10 })] });
  assert.equal(res.status, 422);
  assert.equal(res.body.Vendor.value, 'NOSUCH');
  assert.equal(res.body.Vendor.error, "'Vendor' cannot be found in the system.");
  assert.equal(res.body.Details[0].Account.error, "'Account' cannot be found in the system.");
  assert.equal(res.body.Details[0].Subaccount.error, undefined);
  const badType = await c.put('/Bill', wrap({ Type: 'Invoice', Vendor: 'V00002' }));
  assert.equal(badType.status, 422);
  assert.match(badType.body.Type.error, /not a valid value/);
  const bare = await c.put('/Vendor', { VendorID: 'X1', VendorName: 'bare' });
  assert.equal(bare.status, 400);
  assert.match(bare.body.message, /must be an object such as \{"value": …\}/);
  const unknown = await c.put('/Vendor', wrap({ VendorID: 'X1', Colour: 'red' }));
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.message, /no field 'Colour'/);
  const notJson = await c.call('PUT', '/Vendor', undefined, { 'content-type': 'application/json' });
  assert.equal(notJson.status, 400);
});

test('subaccounts are segmented (dash or not) and lines accept either; branches come from PUT CompaniesStructure?$expand=Results', async () => {
  const sub = await c.put('/Subaccount', wrap({ SubaccountCD: '400-020', Description: 'Engineering - East Coast (dup)' }));
  assert.equal(sub.status, 200);
  assert.equal(sub.body.SubaccountCD.value, '400020');
  const got = await c.get('/Subaccount/400020');
  assert.equal(got.status, 200);
  const branches = await c.put('/CompaniesStructure?$expand=Results', {});
  assert.equal(branches.status, 200);
  assert.deepEqual(branches.body.Results.map((r: Record<string, { value: unknown }>) => r.BranchID!.value), ['HQ', 'EAST', 'WEST']);
});

test('GET by keys and by id; an unknown key is 404 HttpError; DELETE removes an unreleased bill but refuses a released one', async () => {
  const bill = (await c.get("/Bill?$filter=Status eq 'On Hold'&$top=1")).body[0];
  const ref = bill.ReferenceNbr.value;
  assert.equal((await c.get(`/Bill/Bill/${ref}`)).body.id, bill.id);
  assert.equal((await c.get(`/Bill/${bill.id}`)).body.ReferenceNbr.value, ref);
  const none = await c.get('/Bill/Bill/999999');
  assert.equal(none.status, 404);
  assert.equal(none.body.message, 'No entity satisfies the condition.');
  assert.equal((await c.call('DELETE', `/Bill/Bill/${ref}`)).status, 204);
  assert.equal((await c.get(`/Bill/Bill/${ref}`)).status, 404);
  const open = (await c.get("/Bill?$filter=Status eq 'Open'&$top=1")).body[0];
  assert.equal((await c.call('DELETE', `/Bill/${open.id}`)).status, 422);
});
