import { test } from 'node:test';
import assert from 'node:assert/strict';
import { control, expenseLine, seeded, startQbo } from './qbo-helpers.ts';

test('query: WHERE with AND, =, <, >, IN, LIKE, ORDERBY, paging, COUNT(*), empty page, refusals', async () => {
  const { em, client } = await startQbo({ initialSeed: { vendors: 12, bills: 0 } });
  try {
    const all = (await client.query('SELECT * FROM Vendor MAXRESULTS 1000')).body.QueryResponse;
    assert.equal(all.Vendor.length, 12);
    assert.equal(all.startPosition, 1);
    assert.equal(all.maxResults, 12);

    const like = (await client.query("select * from Vendor where DisplayName LIKE '%Legal%'")).body.QueryResponse.Vendor;
    assert.deepEqual(like.map((v: any) => v.DisplayName), ['Cedar Legal LLP']);
    const ids = all.Vendor.slice(0, 2).map((v: any) => `'${v.Id}'`).join(',');
    assert.equal((await client.query(`select * from Vendor where Id IN (${ids}) AND Active = true`)).body.QueryResponse.Vendor.length, 2);

    const ordered = (await client.query('select * from Vendor ORDERBY DisplayName DESC STARTPOSITION 2 MAXRESULTS 3')).body.QueryResponse;
    const names = all.Vendor.map((v: any) => v.DisplayName).sort().reverse();
    assert.deepEqual(ordered.Vendor.map((v: any) => v.DisplayName), names.slice(1, 4));
    assert.equal(ordered.startPosition, 2);

    const { expense, vendor } = await seeded(client);
    for (const amount of [10, 20, 30]) await client.call('POST', '/bill', { VendorRef: { value: vendor.Id }, Line: [expenseLine(expense.Id, amount)] });
    assert.equal((await client.query('select count(*) from Bill where TotalAmt > 15')).body.QueryResponse.totalCount, 2);
    assert.equal((await client.query(`select * from Bill where VendorRef = '${vendor.Id}' and TotalAmt < 15`)).body.QueryResponse.Bill.length, 1);
    assert.equal((await client.query("select * from Bill where MetaData.LastUpdatedTime > '2000-01-01T00:00:00-08:00'")).body.QueryResponse.Bill.length, 3);

    const past = await client.query('select * from Vendor STARTPOSITION 500');
    assert.deepEqual(past.body.QueryResponse, {});

    const or = await client.query("select * from Vendor where DisplayName = 'a' OR DisplayName = 'b'");
    assert.equal(or.status, 400);
    assert.equal(or.body.Fault.type, 'ValidationFault');
    assert.equal((await client.query('select * from vendor')).status, 400, 'entity names are case-sensitive');
    assert.equal((await client.query('select DisplayName from Vendor')).status, 400);
    const byPost = await client.call('POST', '/query', 'select count(*) from Account');
    assert.ok(byPost.body.QueryResponse.totalCount >= 9);
  } finally {
    await em.stop();
  }
});

test('CDC: changes since a time, deletions as Deleted, at most 30 days back', async () => {
  const { em, client } = await startQbo();
  try {
    const { expense, vendor } = await seeded(client);
    await control(em, 'POST', '/clock', { advanceSeconds: 60 });
    const since = new Date(Date.now() + 30_000).toISOString();
    const bill = (await client.call('POST', '/bill', { VendorRef: { value: vendor.Id }, Line: [expenseLine(expense.Id, 5)] })).body.Bill;
    const gone = (await client.call('POST', '/bill', { VendorRef: { value: vendor.Id }, Line: [expenseLine(expense.Id, 6)] })).body.Bill;
    await client.call('POST', '/bill?operation=delete', { Id: gone.Id, SyncToken: '0' });
    const cdc = await client.call('GET', `/cdc?entities=Bill,Vendor&changedSince=${encodeURIComponent(since)}`);
    assert.equal(cdc.status, 200, cdc.text);
    const [bills, vendors] = cdc.body.CDCResponse[0].QueryResponse;
    assert.deepEqual(bills.Bill.map((b: any) => b.Id), [bill.Id, gone.Id]);
    assert.equal(bills.Bill[1].status, 'Deleted');
    assert.deepEqual(vendors, {});

    const old = new Date(Date.now() - 31 * 86_400_000).toISOString();
    const refused = await client.call('GET', `/cdc?entities=Bill&changedSince=${encodeURIComponent(old)}`);
    assert.equal(refused.status, 400);
  } finally {
    await em.stop();
  }
});

test('batch: per-item results by bId, faults per item, at most 30 items, empty refused', async () => {
  const { em, client } = await startQbo();
  try {
    const { expense, vendor } = await seeded(client);
    const answer = await client.call('POST', '/batch', {
      BatchItemRequest: [
        { bId: 'b1', operation: 'create', Vendor: { DisplayName: 'Batch Vendor' } },
        { bId: 'b2', operation: 'create', Vendor: { DisplayName: 'Batch Vendor' } },
        { bId: 'b3', operation: 'create', Bill: { VendorRef: { value: vendor.Id }, Line: [expenseLine(expense.Id, 9)] } },
        { bId: 'b4', Query: "select * from Vendor where DisplayName = 'Batch Vendor'" },
      ],
    });
    assert.equal(answer.status, 200, answer.text);
    const items = answer.body.BatchItemResponse;
    assert.deepEqual(items.map((i: any) => i.bId), ['b1', 'b2', 'b3', 'b4']);
    assert.equal(items[0].Vendor.DisplayName, 'Batch Vendor');
    assert.equal(items[1].Fault.Error[0].code, '6240');
    assert.equal(items[2].Bill.TotalAmt, 9);
    assert.deepEqual(items[3].QueryResponse, {}, 'a batch item does not see what earlier items created');
    assert.equal((await client.query("select * from Vendor where DisplayName = 'Batch Vendor'")).body.QueryResponse.Vendor.length, 1);

    const chained = await client.call('POST', '/batch', {
      BatchItemRequest: [
        { bId: 'v', operation: 'create', Vendor: { DisplayName: 'Fresh Vendor' } },
        { bId: 'b', operation: 'create', Bill: { VendorRef: { value: String(Number(items[2].Bill.Id) + 1) }, Line: [expenseLine(expense.Id, 1)] } },
      ],
    });
    assert.equal(chained.body.BatchItemResponse[1].Fault.Error[0].code, '2500', 'nor reference it');

    const empty = await client.call('POST', '/batch', { BatchItemRequest: [] });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.Fault.Error[0].Detail, 'Batch Request is Empty');
    const many = Array.from({ length: 31 }, (_, i) => ({ bId: String(i), Query: 'select * from Vendor' }));
    assert.equal((await client.call('POST', '/batch', { BatchItemRequest: many })).status, 400);
  } finally {
    await em.stop();
  }
});

test('limits: 429 Fault 3001 without Retry-After past the per-minute allowance; an injected 500 is a SystemFault', async () => {
  const { em, client } = await startQbo({ perMinuteLimit: 5 });
  try {
    for (let i = 0; i < 5; i += 1) assert.equal((await client.query('select count(*) from Vendor')).status, 200);
    const throttled = await client.query('select count(*) from Vendor');
    assert.equal(throttled.status, 429);
    assert.equal(throttled.body.Fault.Error[0].code, '3001');
    assert.equal(throttled.headers.get('retry-after'), null);
    await control(em, 'POST', '/clock', { advanceSeconds: 61 });
    assert.equal((await client.query('select count(*) from Vendor')).status, 200);

    await control(em, 'POST', '/faults', { script: [{ fault: 'server_error' }] });
    const failed = await client.query('select count(*) from Vendor');
    assert.equal(failed.status, 500);
    assert.equal(failed.body.Fault.type, 'SystemFault');
  } finally {
    await em.stop();
  }
});

test('limits: more than 10 requests in flight for one realm and app are refused', async () => {
  const { em, client } = await startQbo({ latencyMs: 150 });
  try {
    const answers = await Promise.all(Array.from({ length: 12 }, () => client.query('select count(*) from Vendor')));
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 200).length, 10);
    assert.equal(statuses.filter((s) => s === 429).length, 2);
  } finally {
    await em.stop();
  }
});

test('batch calls have their own per-minute allowance; the XML 429 quirk can be switched on', async () => {
  const { em, client } = await startQbo({ batchPerMinutePerApp: 2 });
  try {
    const batch = { BatchItemRequest: [{ bId: '1', Query: 'select count(*) from Vendor' }] };
    assert.equal((await client.call('POST', '/batch', batch)).status, 200);
    assert.equal((await client.call('POST', '/batch', batch)).status, 200);
    const third = await client.call('POST', '/batch', batch);
    assert.equal(third.status, 429);
    assert.equal(third.body.Fault.Error[0].code, '3001');
    assert.equal((await client.query('select count(*) from Vendor')).status, 200, 'other calls are not held back');

    await control(em, 'POST', '/preferences', { throttleAsXml: true });
    const slow = await startQbo({ perMinuteLimit: 1 });
    try {
      await control(slow.em, 'POST', '/preferences', { throttleAsXml: true });
      await slow.client.query('select count(*) from Vendor');
      const xml = await slow.client.query('select count(*) from Vendor');
      assert.equal(xml.status, 429);
      assert.match(xml.headers.get('content-type') ?? '', /xml/);
      assert.match(xml.text, /<Error code="3001"><Message>message=ThrottleExceeded/);
    } finally {
      await slow.em.stop();
    }
  } finally {
    await em.stop();
  }
});
