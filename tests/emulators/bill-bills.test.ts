import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBillEmulator, type BillEmulator } from '../../src/emulators/bill/index.ts';
import { Client, advance, control, errorCodes } from './bill-helpers.ts';

describe('BILL emulator: bills', () => {
  let bill: BillEmulator;
  let c: Client;
  let vendorId: string;
  let accountId: string;
  let departmentId: string;
  const billCount = async () => ((await control(bill, 'GET', '/state')).body.organizations[0].bills as unknown[]).length;
  const draft = (over: Record<string, unknown> = {}) => ({
    vendorId,
    dueDate: '2026-12-31',
    invoice: { invoiceNumber: 'INV-1', invoiceDate: '2026-12-01' },
    billLineItems: [{ amount: 100, description: 'Paper', classifications: { chartOfAccountId: accountId, departmentId } }],
    ...over,
  });

  before(async () => {
    bill = await startBillEmulator({ seed: 51, initialSeed: { vendors: 2, bills: 0 } });
    c = await Client.open(bill);
    vendorId = (await c.get('/vendors?max=1')).body.results[0].id;
    accountId = (await c.get(`/classifications/chart-of-accounts?filters=${encodeURIComponent('name:eq:"Office Expenses"')}`)).body.results[0].id;
    departmentId = (await c.get('/classifications/departments?max=1')).body.results[0].id;
  });
  after(() => bill.stop());

  test('create answers 201 with 00n/bli ids, nested classifications and fresh balances', async () => {
    const res = await c.post('/bills', draft());
    assert.equal(res.status, 201);
    assert.match(res.body.id, /^00n/);
    assert.match(res.body.billLineItems[0].id, /^bli/);
    assert.deepEqual(res.body.billLineItems[0].classifications, { chartOfAccountId: accountId, departmentId });
    assert.equal(res.body.amount, 100);
    assert.equal(res.body.paidAmount, 0);
    assert.equal(res.body.dueAmount, 100);
    assert.equal(res.body.paymentStatus, 'UNPAID');
    assert.equal(typeof res.body.vendorName, 'string');
  });

  test('required fields, unknown GL ids and flat chartOfAccountId are refused', async () => {
    const missing = await c.post('/bills', {});
    assert.equal(missing.status, 400);
    const messages = missing.body.map((e: { message: string }) => e.message).join(' | ');
    for (const f of ['vendorId is required', 'dueDate is required', 'invoice is required', 'billLineItems is required']) assert.match(messages, new RegExp(f));
    const noLines = await c.post('/bills', draft({ billLineItems: [] }));
    assert.match(noLines.body[0].message, /at least one line item/);
    const badAccount = await c.post('/bills', draft({ billLineItems: [{ amount: 5, classifications: { chartOfAccountId: '0ca01nope' } }] }));
    assert.match(badAccount.body[0].message, /chartOfAccountId 0ca01nope is not an active chart of accounts/);
    const badDept = await c.post('/bills', draft({ billLineItems: [{ amount: 5, classifications: { departmentId: '0de01nope' } }] }));
    assert.match(badDept.body[0].message, /departmentId 0de01nope/);
    const flat = await c.post('/bills', draft({ billLineItems: [{ amount: 5, chartOfAccountId: accountId }] }));
    assert.match(flat.body[0].message, /chartOfAccountId is not a known field/);
    const noAmount = await c.post('/bills', draft({ billLineItems: [{ quantity: 2 }] }));
    assert.match(noAmount.body[0].message, /needs amount, or quantity and price/);
    const cents = await c.post('/bills', draft({ billLineItems: [{ amount: 1.005 }] }));
    assert.equal(cents.status, 400);
    assert.deepEqual(errorCodes(cents), ['BDC_1002']);
  });

  test('amounts are exact: quantity × price, amount wins over both, no float drift', async () => {
    const res = await c.post('/bills', draft({
      billLineItems: [
        { quantity: 3, price: 19.99 },
        { quantity: 1.5, price: 0.33 },
        { amount: 0.1, quantity: 7, price: 7 },
        { amount: '0.2' },
      ],
    }));
    assert.equal(res.status, 201);
    assert.deepEqual(res.body.billLineItems.map((l: { amount: number }) => l.amount), [59.97, 0.5, 0.1, 0.2]);
    assert.equal(res.body.amount, 60.77);
    assert.equal(res.body.billLineItems[1].quantity, 1.5);
  });

  test('PUT replaces: lines without id are new, lines left out are removed, kept ids survive', async () => {
    const b = (await c.post('/bills', draft({ billLineItems: [{ amount: 10 }, { amount: 20 }, { amount: 30 }] }))).body;
    const [l1, , l3] = b.billLineItems;
    const res = await c.put(`/bills/${b.id}`, draft({ billLineItems: [{ id: l1.id, amount: 11 }, { amount: 40, description: 'new' }, { id: l3.id, amount: 30 }] }));
    assert.equal(res.status, 200);
    const ids = res.body.billLineItems.map((l: { id: string }) => l.id);
    assert.equal(ids.length, 3);
    assert.equal(ids[0], l1.id);
    assert.equal(ids[2], l3.id);
    assert.ok(!ids.includes(b.billLineItems[1].id), 'the omitted line is gone');
    assert.match(ids[1], /^bli/);
    assert.equal(res.body.amount, 81);
    assert.equal('classifications' in res.body.billLineItems[0] && Object.keys(res.body.billLineItems[0].classifications).length, 0, 'PUT replaces line fields');
    const unknownLine = await c.put(`/bills/${b.id}`, draft({ billLineItems: [{ id: 'bli01nope', amount: 1 }] }));
    assert.match(unknownLine.body[0].message, /is not a line of this bill/);
    const partial = await c.put(`/bills/${b.id}`, { billLineItems: [{ amount: 1 }] });
    assert.equal(partial.status, 400, 'PUT needs the whole bill');
  });

  test('PATCH merges: a named line changes, others stay, a line without id is added', async () => {
    const b = (await c.post('/bills', draft({ billLineItems: [{ amount: 10, description: 'a', classifications: { chartOfAccountId: accountId } }, { amount: 20, description: 'b' }] }))).body;
    await advance(bill, 1);
    const res = await c.patch(`/bills/${b.id}`, { billLineItems: [{ id: b.billLineItems[0].id, amount: 15 }, { amount: 5, description: 'c' }] });
    assert.equal(res.status, 200);
    const lines = res.body.billLineItems;
    assert.equal(lines.length, 3);
    assert.equal(lines[0].id, b.billLineItems[0].id);
    assert.equal(lines[0].amount, 15);
    assert.equal(lines[0].description, 'a', 'unnamed fields of a patched line stay');
    assert.deepEqual(lines[0].classifications, { chartOfAccountId: accountId });
    assert.equal(lines[1].id, b.billLineItems[1].id);
    assert.equal(res.body.amount, 40);
    assert.ok(Date.parse(res.body.updatedTime) > Date.parse(b.updatedTime));
    const desc = await c.patch(`/bills/${b.id}`, { description: 'Note' });
    assert.equal(desc.body.description, 'Note');
    assert.equal(desc.body.billLineItems.length, 3);
    await advance(bill, 1);
    const same = await c.patch(`/bills/${b.id}`, { description: 'Note' });
    assert.equal(same.body.updatedTime, desc.body.updatedTime, 'a PATCH that changes nothing does not bump updatedTime');
  });

  test('bulk create: bare array, capped, atomic, and the error names the failing index', async () => {
    const before = await billCount();
    const items = Array.from({ length: 5 }, (_, i) => draft({ invoice: { invoiceNumber: `B-${i}`, invoiceDate: '2026-12-01' } }));
    items[3] = draft({ dueDate: '2026-02-30' });
    const bad = await c.post('/bills/bulk', items);
    assert.equal(bad.status, 400);
    assert.deepEqual(errorCodes(bad), ['BDC_1002']);
    assert.match(bad.body[0].message, /^bills\[3\]: dueDate must be a date/);
    assert.equal(await billCount(), before, 'nothing was created');
    const wrapped = await c.post('/bills/bulk', { bills: items });
    assert.equal(wrapped.status, 400, 'the body is a bare array, not {bills:[...]}');
    const tooMany = await c.post('/bills/bulk', Array.from({ length: 201 }, () => draft()));
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body[0].message, /up to 200 bills/);
    items[3] = draft();
    const ok = await c.post('/bills/bulk', items);
    assert.equal(ok.status, 201);
    assert.equal(ok.body.length, 5);
    assert.equal(await billCount(), before + 5);
  });

  test('bulkBillsCap is configurable', async () => {
    const small = await startBillEmulator({ seed: 52, bulkBillsCap: 100, initialSeed: { vendors: 1, bills: 0 } });
    try {
      const sc = await Client.open(small);
      const v = (await sc.get('/vendors')).body.results[0].id;
      const body = Array.from({ length: 101 }, () => ({ vendorId: v, dueDate: '2026-12-31', invoice: { invoiceNumber: 'X', invoiceDate: '2026-12-01' }, billLineItems: [{ amount: 1 }] }));
      assert.match((await sc.post('/bills/bulk', body)).body[0].message, /up to 100 bills/);
      assert.equal((await sc.post('/bills/bulk', body.slice(0, 100))).status, 201);
    } finally {
      await small.stop();
    }
  });

  test('archive and restore bills', async () => {
    const b = (await c.post('/bills', draft())).body;
    assert.equal((await c.post(`/bills/${b.id}/archive`)).body.archived, true);
    const active = (await c.get('/bills?max=100&filters=archived:eq:false')).body.results.map((x: { id: string }) => x.id);
    assert.ok(!active.includes(b.id));
    assert.equal((await c.post(`/bills/${b.id}/restore`)).body.archived, false);
    assert.deepEqual(errorCodes(await c.get('/bills/00n01missing')), ['BDC_1205']);
  });
});
