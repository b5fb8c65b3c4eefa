import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBillEmulator, type BillEmulator } from '../../src/emulators/bill/index.ts';
import { Client, advance, control, errorCodes } from './bill-helpers.ts';

const newVendor = (name: string) => ({
  name,
  accountType: 'BUSINESS',
  email: 'ap@vendor.example',
  address: { line1: '1 Main St', city: 'Portland', stateOrProvince: 'OR', zipOrPostalCode: '97204', country: 'US' },
  paymentInformation: { payeeName: name, bankAccount: { nameOnAccount: name, accountNumber: '111222333', routingNumber: '074000010' } },
  billCurrency: 'USD',
});

describe('BILL emulator: vendors', () => {
  let bill: BillEmulator;
  let c: Client;
  const vendorCount = async () => ((await control(bill, 'GET', '/state')).body.organizations[0].vendors as unknown[]).length;
  before(async () => {
    bill = await startBillEmulator({ seed: 41, initialSeed: { vendors: 2, bills: 0 } });
    c = await Client.open(bill);
  });
  after(() => bill.stop());

  test('create answers 201 with a 009 id, derived fields and a masked bank account', async () => {
    const res = await c.post('/vendors', newVendor('Acme Paper'));
    assert.equal(res.status, 201);
    assert.match(res.body.id, /^009/);
    assert.equal(res.body.archived, false);
    assert.equal(res.body.address.countryName, 'United States');
    assert.equal(res.body.paymentInformation.bankAccount.accountNumber, 'xxxxx2333');
    assert.equal(res.body.createdTime, res.body.updatedTime);
    assert.match(res.body.createdTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
    assert.equal((await c.get(`/vendors/${res.body.id}`)).body.name, 'Acme Paper');
  });

  test('validation errors come back as BILL error arrays, one item per problem', async () => {
    const res = await c.post('/vendors', { accountType: 'COMPANY', colour: 'blue', address: { country: 'USA' } });
    assert.equal(res.status, 400);
    assert.deepEqual(errorCodes(res), ['BDC_1002', 'BDC_1002', 'BDC_1002', 'BDC_1002']);
    const text = res.body.map((e: { message: string }) => e.message).join(' | ');
    assert.match(text, /name is required/);
    assert.match(text, /colour is not a known field/);
    assert.match(text, /accountType must be one of/);
    assert.match(text, /address.country/);
  });

  test('PATCH changes named fields and bumps updatedTime; bank account changes are refused', async () => {
    const v = (await c.post('/vendors', newVendor('Patch Me'))).body;
    await advance(bill, 5);
    const res = await c.patch(`/vendors/${v.id}`, { name: 'Patched', address: { city: 'Salem' } });
    assert.equal(res.status, 200);
    assert.equal(res.body.name, 'Patched');
    assert.equal(res.body.address.city, 'Salem');
    assert.equal(res.body.address.line1, '1 Main St', 'other address fields stay');
    assert.ok(Date.parse(res.body.updatedTime) > Date.parse(v.updatedTime));
    const bank = await c.patch(`/vendors/${v.id}`, { paymentInformation: { bankAccount: { accountNumber: '999' } } });
    assert.equal(bank.status, 400);
    assert.match(bank.body[0].message, /bank-account endpoints/);
    assert.equal((await c.get(`/vendors/${v.id}`)).body.paymentInformation.bankAccount.accountNumber, 'xxxxx2333');
  });

  test('bulk create: at most 20, all or nothing, response {vendors:[...]}', async () => {
    const before = await vendorCount();
    const tooMany = await c.post('/vendors/bulk', Array.from({ length: 21 }, (_, i) => newVendor(`V${i}`)));
    assert.equal(tooMany.status, 400);
    const oneBad = await c.post('/vendors/bulk', [newVendor('Good 1'), { accountType: 'BUSINESS' }, newVendor('Good 2')]);
    assert.equal(oneBad.status, 400);
    assert.match(oneBad.body[0].message, /^vendors\[1\]: name is required/);
    assert.equal(await vendorCount(), before, 'nothing was created');
    const ok = await c.post('/vendors/bulk', Array.from({ length: 20 }, (_, i) => newVendor(`Bulk ${i}`)));
    assert.equal(ok.status, 201);
    assert.equal(ok.body.vendors.length, 20);
    assert.equal(await vendorCount(), before + 20);
  });

  test('archive and restore; archiving twice is a no-op', async () => {
    const v = (await c.post('/vendors', newVendor('Archive Me'))).body;
    await advance(bill, 1);
    const archived = (await c.post(`/vendors/${v.id}/archive`)).body;
    assert.equal(archived.archived, true);
    await advance(bill, 1);
    const again = (await c.post(`/vendors/${v.id}/archive`)).body;
    assert.equal(again.updatedTime, archived.updatedTime);
    const restored = (await c.post(`/vendors/${v.id}/restore`)).body;
    assert.equal(restored.archived, false);
    assert.ok(Date.parse(restored.updatedTime) > Date.parse(archived.updatedTime));
  });

  test('unknown vendor ids answer 404 with an error array; there is no DELETE', async () => {
    const res = await c.get('/vendors/00901doesnotexist000');
    assert.equal(res.status, 404);
    assert.deepEqual(errorCodes(res), ['BDC_1205']);
    const v = (await c.get('/vendors?max=1')).body.results[0];
    const del = await c.del(`/vendors/${v.id}`);
    assert.equal(del.status, 404);
    assert.deepEqual(errorCodes(del), ['BDC_1121']);
  });
});
