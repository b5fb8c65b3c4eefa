import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBillEmulator, type BillEmulator } from '../../src/emulators/bill/index.ts';
import { Client, advance, control, errorCodes } from './bill-helpers.ts';

describe('BILL emulator: lists', () => {
  let bill: BillEmulator;
  let c: Client;
  before(async () => {
    bill = await startBillEmulator({ seed: 31, initialSeed: { vendors: 25, bills: 12 } });
    c = await Client.open(bill);
  });
  after(() => bill.stop());

  test('default page of 20, opaque nextPage/prevPage tokens passed back as page', async () => {
    const first = await c.get('/vendors');
    assert.equal(first.status, 200);
    assert.equal(first.body.results.length, 20);
    assert.equal(typeof first.body.nextPage, 'string');
    assert.equal('prevPage' in first.body, false, 'no previous page on the first page');
    const second = await c.get(`/vendors?page=${encodeURIComponent(first.body.nextPage)}`);
    assert.equal(second.body.results.length, 5);
    assert.equal('nextPage' in second.body, false, 'no next page on the last page');
    const back = await c.get(`/vendors?page=${encodeURIComponent(second.body.prevPage)}`);
    assert.deepEqual(back.body.results.map((v: { id: string }) => v.id), first.body.results.map((v: { id: string }) => v.id));
    const ids = new Set([...first.body.results, ...second.body.results].map((v: { id: string }) => v.id));
    assert.equal(ids.size, 25);
  });

  test('max is 1..100: 100 is accepted, 101 and 0 are refused with BDC_1002', async () => {
    assert.equal((await c.get('/vendors?max=100')).body.results.length, 25);
    for (const max of ['101', '0', 'ten']) {
      const res = await c.get(`/vendors?max=${max}`);
      assert.equal(res.status, 400);
      assert.deepEqual(errorCodes(res), ['BDC_1002']);
    }
  });

  test('a tampered token, or a token reused with other filters, is refused', async () => {
    const first = await c.get('/vendors?max=5');
    assert.deepEqual(errorCodes(await c.get('/vendors?page=garbage')), ['BDC_1002']);
    const res = await c.get(`/vendors?max=5&filters=archived:eq:false&page=${encodeURIComponent(first.body.nextPage)}`);
    assert.deepEqual(errorCodes(res), ['BDC_1002']);
  });

  test('filters=updatedTime:gte:"<time>" returns exactly the records changed since then', async () => {
    await advance(bill, 60);
    const since = new Date(Date.parse((await control(bill, 'GET', '/clock')).body.now)).toISOString();
    const all = (await c.get('/vendors?max=100')).body.results;
    const touched = [all[3].id, all[17].id];
    for (const id of touched) assert.equal((await c.patch(`/vendors/${id}`, { phone: '5550000000' })).status, 200);
    const res = await c.get(`/vendors?filters=${encodeURIComponent(`updatedTime:gte:"${since}"`)}&sort=updatedTime:asc`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.results.map((v: { id: string }) => v.id), touched);
    // The other documented date-time forms parse too.
    for (const form of [since.slice(0, 19), since.slice(0, 16), since.replace('Z', '+00:00')]) {
      assert.equal((await c.get(`/vendors?filters=${encodeURIComponent(`updatedTime:gte:"${form}"`)}`)).status, 200, form);
    }
    assert.equal((await c.get('/vendors?filters=createdTime:gte:2025-01-01')).body.results.length, 20);
  });

  test('vendorId:in:"a,b" on bills, compound filters and dueDate ranges', async () => {
    const bills = (await c.get('/bills?max=100')).body.results as { vendorId: string; dueDate: string; id: string }[];
    const vendorIds = [...new Set(bills.map((b) => b.vendorId))].slice(0, 2);
    const expected = bills.filter((b) => vendorIds.includes(b.vendorId)).map((b) => b.id).sort();
    const res = await c.get(`/bills?max=100&filters=${encodeURIComponent(`vendorId:in:"${vendorIds.join(',')}"`)}`);
    assert.deepEqual(res.body.results.map((b: { id: string }) => b.id).sort(), expected);
    const unquoted = await c.get(`/bills?max=100&filters=vendorId:in:${vendorIds.join(',')}`);
    assert.deepEqual(unquoted.body.results.map((b: { id: string }) => b.id).sort(), expected);
    const pivot = bills[0]!.dueDate;
    const compound = await c.get(`/bills?max=100&filters=${encodeURIComponent(`dueDate:gte:"${pivot}",vendorId:eq:${bills[0]!.vendorId}`)}`);
    const want = bills.filter((b) => b.dueDate >= pivot && b.vendorId === bills[0]!.vendorId).length;
    assert.equal(compound.body.results.length, want);
    const paid = await c.get('/bills?max=100&filters=paymentStatus:eq:PAID');
    assert.ok(paid.body.results.length > 0 && paid.body.results.every((b: { paymentStatus: string }) => b.paymentStatus === 'PAID'));
  });

  test('sort=field:asc|desc', async () => {
    const desc = (await c.get('/vendors?max=100&sort=name:desc')).body.results.map((v: { name: string }) => v.name);
    assert.deepEqual(desc, [...desc].sort().reverse());
    const asc = (await c.get('/bills?max=100&sort=dueDate:asc')).body.results.map((b: { dueDate: string }) => b.dueDate);
    assert.deepEqual(asc, [...asc].sort());
    assert.deepEqual(errorCodes(await c.get('/vendors?sort=colour:asc')), ['BDC_1002']);
    assert.deepEqual(errorCodes(await c.get('/vendors?sort=name:sideways')), ['BDC_1002']);
  });

  test('unknown filter fields, operators outside the whitelist and unknown parameters are BDC_1002', async () => {
    for (const q of ['filters=colour:eq:red', 'filters=name:gt:A', 'filters=name:like:A', 'filters=archived:eq:maybe', 'filters=updatedTime:gte:yesterday', 'filter=name:eq:A']) {
      const res = await c.get(`/vendors?${q}`);
      assert.equal(res.status, 400, q);
      assert.deepEqual(errorCodes(res), ['BDC_1002'], q);
    }
    const sw = await c.get(`/vendors?filters=${encodeURIComponent('name:sw:"North"')}`);
    assert.ok(sw.body.results.length >= 1 && sw.body.results.every((v: { name: string }) => v.name.startsWith('North')));
  });

  test('archived records are listed by default; filters=archived:eq:false leaves them out', async () => {
    const target = (await c.get('/vendors?max=1')).body.results[0].id;
    assert.equal((await c.post(`/vendors/${target}/archive`)).body.archived, true);
    const all = (await c.get('/vendors?max=100')).body.results.map((v: { id: string }) => v.id);
    assert.ok(all.includes(target));
    const active = (await c.get('/vendors?max=100&filters=archived:eq:false')).body.results.map((v: { id: string }) => v.id);
    assert.ok(!active.includes(target));
    assert.equal(active.length, all.length - 1);
    await c.post(`/vendors/${target}/restore`);
  });
});

describe('BILL emulator: list switches', () => {
  test('listArchived:false hides archived records unless asked for; listEndStyle:"null" shows the ends as null', async () => {
    const bill = await startBillEmulator({ seed: 32, listArchived: false, listEndStyle: 'null', initialSeed: { vendors: 3, bills: 0 } });
    try {
      const c = await Client.open(bill);
      const first = await c.get('/vendors');
      assert.equal(first.body.nextPage, null);
      assert.equal(first.body.prevPage, null);
      const id = first.body.results[0].id;
      await c.post(`/vendors/${id}/archive`);
      assert.equal((await c.get('/vendors')).body.results.length, 2);
      const archived = await c.get('/vendors?filters=archived:eq:true');
      assert.deepEqual(archived.body.results.map((v: { id: string }) => v.id), [id]);
    } finally {
      await bill.stop();
    }
  });
});
