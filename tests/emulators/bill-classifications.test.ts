import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBillEmulator, type BillEmulator } from '../../src/emulators/bill/index.ts';
import { Client, errorCodes } from './bill-helpers.ts';

describe('BILL emulator: chart of accounts and departments', () => {
  let bill: BillEmulator;
  let c: Client;
  const coa = '/classifications/chart-of-accounts';
  const dept = '/classifications/departments';
  before(async () => {
    bill = await startBillEmulator({ seed: 71, initialSeed: { vendors: 1, bills: 0 } });
    c = await Client.open(bill);
  });
  after(() => bill.stop());

  test('the seeded chart lacks everyday expense accounts that a connector must create', async () => {
    const summary = bill.seed({ seed: 71, vendors: 1, bills: 0 });
    c = await Client.open(bill);
    assert.ok(summary.missingAccounts.some((a) => a.name === 'Subscriptions'));
    const names = (await c.get(`${coa}?max=100`)).body.results.map((a: { name: string }) => a.name);
    assert.equal(names.length, summary.accounts);
    for (const m of summary.missingAccounts) assert.ok(!names.includes(m.name), `${m.name} is missing on purpose`);
    const created = await c.post(coa, { name: 'Subscriptions', description: 'Software subscriptions', account: { type: 'EXPENSE', number: '485' } });
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^0ca/);
    assert.deepEqual(created.body.account, { type: 'EXPENSE', number: '485' });
    assert.equal((await c.get(`${coa}/${created.body.id}`)).body.name, 'Subscriptions');
    const dup = await c.post(coa, { name: 'subscriptions' });
    assert.equal(dup.status, 400);
    assert.match(dup.body[0].message, /already exists/);
    const expenses = await c.get(`${coa}?max=100&filters=account.type:eq:EXPENSE`);
    assert.ok(expenses.body.results.every((a: { account: { type: string } }) => a.account.type === 'EXPENSE'));
  });

  test('bulk create: at most 50, all or nothing, response {chartOfAccounts:[...]} / {departments:[...]}', async () => {
    const count = async (path: string) => (await c.get(`${path}?max=100`)).body.results.length;
    const before = await count(coa);
    assert.equal((await c.post(`${coa}/bulk`, Array.from({ length: 51 }, (_, i) => ({ name: `A${i}` })))).status, 400);
    const bad = await c.post(`${coa}/bulk`, [{ name: 'Freight & Courier' }, { name: 'Bad', account: { type: 'SPACESHIP' } }]);
    assert.equal(bad.status, 400);
    assert.match(bad.body[0].message, /^chartOfAccounts\[1\]: account.type must be one of/);
    assert.equal(await count(coa), before);
    const ok = await c.post(`${coa}/bulk`, [{ name: 'Freight & Courier', account: { type: 'EXPENSE', number: '425' } }, { name: 'Bank Fees', account: { type: 'EXPENSE', number: '404' } }]);
    assert.equal(ok.status, 201);
    assert.equal(ok.body.chartOfAccounts.length, 2);
    assert.equal(await count(coa), before + 2);

    const d = await c.post(`${dept}/bulk`, [{ name: 'Research', shortName: 'RND' }, { name: 'Support' }]);
    assert.equal(d.status, 201);
    assert.equal(d.body.departments.length, 2);
    assert.match(d.body.departments[0].id, /^0de/);
  });

  test('departments: create, get, patch, archive; archived GL ids cannot be used on bills', async () => {
    const created = await c.post(dept, { name: 'Field Ops', description: 'Field operations' });
    assert.equal(created.status, 201);
    const patched = await c.patch(`${dept}/${created.body.id}`, { shortName: 'FOP' });
    assert.equal(patched.body.shortName, 'FOP');
    assert.equal(patched.body.name, 'Field Ops');
    assert.equal((await c.post(`${dept}/${created.body.id}/archive`)).body.archived, true);
    const vendorId = (await c.get('/vendors')).body.results[0].id;
    const res = await c.post('/bills', {
      vendorId,
      dueDate: '2026-12-31',
      invoice: { invoiceNumber: 'D-1', invoiceDate: '2026-12-01' },
      billLineItems: [{ amount: 1, classifications: { departmentId: created.body.id } }],
    });
    assert.equal(res.status, 400);
    assert.deepEqual(errorCodes(res), ['BDC_1002']);
    assert.deepEqual(errorCodes(await c.get(`${dept}/0de01missing`)), ['BDC_1205']);
  });
});
