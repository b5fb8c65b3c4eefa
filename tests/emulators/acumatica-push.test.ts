import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AcumaticaEmulator } from '../../src/emulators/acumatica/index.ts';
import { AcuClient, control, openAcumatica, releasedBill, startReceiver, waitFor, wrap } from './acumatica-helpers.ts';
import type { Receiver } from '../helpers/webhook-receiver.ts';

let acu: AcumaticaEmulator;
let c: AcuClient;
let receiver: Receiver;
before(async () => {
  ({ acu, c } = await openAcumatica({ seed: 19 }));
  receiver = await startReceiver('/acumatica/push');
  await control(acu, 'POST', '/push', { url: receiver.url, headerName: 'X-Push-Token', headerValue: 'static-token-1' });
});
after(async () => {
  await c.logout();
  await acu.stop();
  await receiver.close();
});

test('a saved bill is pushed as {Inserted, Deleted, Query, CompanyId, Id, TimeStamp, AdditionalInfo} with the static header; an update carries the old row in Deleted', async () => {
  receiver.received.length = 0;
  const bill = await releasedBill(c, 55);
  await waitFor(() => receiver.received.length >= 2, 5000, 'two notifications');
  const [created, released] = receiver.received.map((r) => r.json);
  assert.equal(receiver.received[0]!.headers['x-push-token'], 'static-token-1');
  assert.deepEqual(Object.keys(created).sort(), ['AdditionalInfo', 'CompanyId', 'Deleted', 'Id', 'Inserted', 'Query', 'TimeStamp']);
  assert.equal(created.Query, 'AP-Bills');
  assert.equal(created.CompanyId, 'Company');
  assert.deepEqual(created.Deleted, []);
  assert.equal(created.Inserted[0].ReferenceNbr, bill.ReferenceNbr);
  assert.equal(created.Inserted[0].Status, 'Balanced');
  assert.equal(released.Inserted[0].Status, 'Open');
  assert.equal(released.Deleted[0].Status, 'Balanced');
  assert.notEqual(created.Id, released.Id);
  assert.match(receiver.received[1]!.raw.toString(), /"TimeStamp":\d{18}/, 'TimeStamp is .NET ticks, an exact integer');
});

test('a destination answering errors is retried, at most 5 attempts in all', async () => {
  receiver.received.length = 0;
  let calls = 0;
  receiver.respond = () => ({ status: ++calls < 3 ? 500 : 200 });
  await c.put('/Vendor', wrap({ VendorID: 'PUSH1', VendorName: 'Pushed Vendor' }));
  await waitFor(() => receiver.received.length >= 3, 5000, 'three attempts');
  assert.ok(receiver.received.every((r) => r.json.Id === receiver.received[0]!.json.Id), 'the same notification resent');
  receiver.received.length = 0;
  receiver.respond = () => ({ status: 503 });
  await c.put('/Vendor', wrap({ VendorID: 'PUSH2', VendorName: 'Never Accepted' }));
  await acu.ctx.webhooks.idle();
  assert.equal(receiver.received.length, 5);
  receiver.respond = () => ({ status: 200 });
});

test('duplicate and out-of-order delivery knobs (the kit webhook faults): the same Id arrives twice; TimeStamp orders them', async () => {
  receiver.received.length = 0;
  await control(acu, 'POST', '/faults', { webhookDuplicateRate: 1 });
  await c.put('/Vendor', wrap({ VendorID: 'PUSH3', VendorName: 'Twice' }));
  await acu.ctx.webhooks.idle();
  assert.equal(receiver.received.length, 2);
  assert.equal(receiver.received[0]!.json.Id, receiver.received[1]!.json.Id);
  receiver.received.length = 0;
  await control(acu, 'POST', '/faults', { webhookReorderRate: 0.5, seed: 3 });
  for (let i = 0; i < 6; i += 1) {
    await c.put('/Vendor', wrap({ VendorID: `ORD${i}`, VendorName: `Order ${i}` }));
    await control(acu, 'POST', '/clock', { advanceMs: 10 });
  }
  await acu.ctx.webhooks.idle();
  await control(acu, 'POST', '/faults', {});
  const arrival = receiver.received.map((r) => String(r.json.Inserted[0].VendorID));
  const byTimestamp = [...receiver.received].sort((a, b) => (BigInt(a.raw.toString().match(/"TimeStamp":(\d+)/)![1]!) < BigInt(b.raw.toString().match(/"TimeStamp":(\d+)/)![1]!) ? -1 : 1)).map((r) => String(r.json.Inserted[0].VendorID));
  assert.deepEqual(byTimestamp, ['ORD0', 'ORD1', 'ORD2', 'ORD3', 'ORD4', 'ORD5']);
  assert.notDeepEqual(arrival, byTimestamp, 'some arrived out of order');
});
