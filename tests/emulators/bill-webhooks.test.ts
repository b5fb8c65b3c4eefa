import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { startBillEmulator, type BillEmulator } from '../../src/emulators/bill/index.ts';
import { Client, advance, control, errorCodes, sleepMs, startReceiver, waitFor, type Receiver } from './bill-helpers.ts';

const sign = (key: string, raw: Buffer) => createHmac('sha256', key).update(raw).digest('base64');

const billBody = (vendorId: string, n: number, amount = 10) => ({
  vendorId,
  dueDate: '2026-12-31',
  invoice: { invoiceNumber: `W-${n}`, invoiceDate: '2026-12-01' },
  billLineItems: [{ amount }],
});

const allBillEvents = [
  { type: 'bill.created', version: '1' },
  { type: 'bill.updated', version: '1' },
  { type: 'bill.archived', version: '1' },
];

describe('BILL emulator: subscriptions', () => {
  let bill: BillEmulator;
  let c: Client;
  before(async () => {
    bill = await startBillEmulator({ seed: 81, initialSeed: { vendors: 1, bills: 0 } });
    c = await Client.open(bill);
  });
  after(() => bill.stop());

  test('the catalog lists the vendor, bill and payment events', async () => {
    const res = await c.get('/events/catalog', { events: true });
    assert.equal(res.status, 200);
    const types = res.body.map((e: { type: string }) => e.type);
    for (const t of ['vendor.created', 'vendor.updated', 'vendor.archived', 'vendor.restored', 'bill.created', 'bill.updated', 'bill.archived', 'bill.restored', 'payment.updated', 'payment.failed']) {
      assert.ok(types.includes(t), t);
    }
    assert.deepEqual(res.body[0].versions, ['1']);
  });

  test('create needs an X-Idempotent-Key UUID4; the same key replays the answer; securityKey is shown once', async () => {
    const body = { name: 'Bills', status: { enabled: true }, events: allBillEvents, notificationUrl: 'https://hooks.example.com/bill' };
    const none = await c.post('/subscriptions', body, { events: true });
    assert.equal(none.status, 400);
    assert.deepEqual(errorCodes(none), ['BDC_1002']);
    assert.equal((await c.subscribe(body, 'not-a-uuid')).status, 400);
    assert.equal((await c.subscribe(body, '123e4567-e89b-12d3-a456-426614174000')).status, 400, 'a UUID1 is not a UUID4');
    const key = randomUUID();
    const first = await c.subscribe(body, key);
    assert.equal(first.status, 200);
    assert.equal(typeof first.body.securityKey, 'string');
    assert.deepEqual(first.body.status, { enabled: true });
    assert.equal(first.body.organizationId, bill.sandbox.organizationId);
    const replay = await c.subscribe(body, key);
    assert.deepEqual(replay.body, first.body);
    const list = await c.get('/subscriptions', { events: true });
    assert.equal(list.body.results.length, 1);
    assert.equal('prevPage' in list.body, false, 'webhook lists page forward only');
    assert.equal('securityKey' in list.body.results[0], false);
    const got = await c.get(`/subscriptions/${first.body.id}`, { events: true });
    assert.equal('securityKey' in got.body, false);
    const dup = await c.subscribe(body);
    assert.equal(dup.status, 400, 'same events and URL is a duplicate');
    assert.match(dup.body[0].message, /already sends the same events/);
    const plainHttp = await c.subscribe({ ...body, notificationUrl: 'http://hooks.example.com/x' });
    assert.match(plainHttp.body[0].message, /HTTPS/);
    assert.equal((await c.del(`/subscriptions/${first.body.id}`, { events: true })).status, 200);
    assert.deepEqual(errorCodes(await c.get(`/subscriptions/${first.body.id}`, { events: true })), ['BDC_1205']);
  });

  test('a cached answer is replayed for 24 hours only', async () => {
    const body = { name: 'TTL', events: allBillEvents, notificationUrl: 'https://hooks.example.com/ttl' };
    const key = randomUUID();
    const first = await c.subscribe(body, key);
    assert.equal(first.status, 200);
    await advance(bill, 23 * 3600);
    c = await Client.open(bill);
    assert.deepEqual((await c.subscribe(body, key)).body, first.body, 'replayed within 24 hours');
    await advance(bill, 3600 + 1);
    c = await Client.open(bill);
    const late = await c.subscribe(body, key);
    assert.equal(late.status, 400, 'after 24 hours the key is new again and the duplicate is refused');
    await c.del(`/subscriptions/${first.body.id}`, { events: true });
  });

  test('at most 10 subscriptions per organisation', async () => {
    for (let i = 0; i < 10; i += 1) {
      const res = await c.subscribe({ name: `S${i}`, events: allBillEvents, notificationUrl: `https://hooks.example.com/${i}` });
      assert.equal(res.status, 200, `subscription ${i + 1}`);
    }
    const eleventh = await c.subscribe({ name: 'S10', events: allBillEvents, notificationUrl: 'https://hooks.example.com/10' });
    assert.equal(eleventh.status, 400);
    assert.match(eleventh.body[0].message, /at most 10/);
    for (const s of (await c.get('/subscriptions?max=100', { events: true })).body.results) await c.del(`/subscriptions/${s.id}`, { events: true });
  });

  test('the events base answers 400 when devKey or sessionId is missing', async () => {
    const res = await fetch(`${bill.urls.events}/subscriptions`, { headers: { devKey: bill.sandbox.devKey } });
    assert.equal(res.status, 400);
  });
});

describe('BILL emulator: signed deliveries', () => {
  let bill: BillEmulator;
  let c: Client;
  let rx: Receiver;
  let vendorId: string;
  before(async () => {
    bill = await startBillEmulator({ seed: 82, webhookDelayScale: 0.005, initialSeed: { vendors: 1, bills: 0 } });
    c = await Client.open(bill);
    rx = await startReceiver();
    vendorId = (await c.get('/vendors')).body.results[0].id;
  });
  after(async () => {
    await bill.stop();
    await rx.close();
  });

  test('notifications carry metadata and a partial snapshot, signed over the exact body bytes', async () => {
    const sub = (await c.subscribe({ name: 'All', events: [...allBillEvents, { type: 'vendor.created', version: '1' }], notificationUrl: rx.url })).body;
    const created = (await c.post('/bills', billBody(vendorId, 1))).body;
    await waitFor(() => rx.received.length === 1, 3000, 'bill.created');
    const n = rx.received[0]!;
    assert.equal(n.headers['x-bill-sha-signature'], sign(sub.securityKey, n.raw));
    assert.notEqual(n.headers['x-bill-sha-signature'], sign('wrong-key', n.raw));
    assert.deepEqual(Object.keys(n.json.metadata).sort(), ['eventId', 'eventType', 'organizationId', 'subscriptionId', 'version']);
    assert.equal(n.json.metadata.eventType, 'bill.created');
    assert.equal(n.json.metadata.version, '1');
    assert.equal(n.json.metadata.subscriptionId, sub.id);
    assert.deepEqual(n.json.bill, { id: created.id, vendorId, invoice: { invoiceNumber: 'W-1', invoiceDate: '2026-12-01' }, amount: 10, createdTime: created.createdTime, archived: false });

    await c.patch(`/bills/${created.id}`, { description: 'GL edits and descriptions do not notify' });
    await c.patch(`/bills/${created.id}`, { billLineItems: [{ id: created.billLineItems[0].id, amount: 12.5 }] });
    await waitFor(() => rx.received.length === 2, 3000, 'bill.updated');
    const updated = rx.received[1]!.json;
    assert.equal(updated.metadata.eventType, 'bill.updated');
    assert.deepEqual(Object.keys(updated.bill).sort(), ['amount', 'id', 'updatedTime']);
    assert.equal(updated.bill.amount, 12.5);

    await c.post('/bills/' + created.id + '/archive');
    await waitFor(() => rx.received.length === 3, 3000, 'bill.archived');
    assert.deepEqual(Object.keys(rx.received[2]!.json.bill).sort(), ['archived', 'id', 'updatedTime']);

    await c.post('/vendors', { name: 'Hooked Vendor', address: { country: 'CA' } });
    await waitFor(() => rx.received.length === 4, 3000, 'vendor.created');
    assert.equal(rx.received[3]!.json.vendor.name, 'Hooked Vendor');
    assert.deepEqual(rx.received[3]!.json.vendor.address, { country: 'CA' });
    const history = await c.get(`/events/subscription/${sub.id}`, { events: true });
    assert.equal(history.body.results.length, 4);
    assert.equal(history.body.results[0].statusCode, 200);
    assert.equal(typeof history.body.results[0].payload, 'string');
    const byEntity = await c.get(`/events/subscription/${sub.id}?entityId=${created.id}`, { events: true });
    assert.equal(byEntity.body.results.length, 3);
    await c.del(`/subscriptions/${sub.id}`, { events: true });
    rx.received.length = 0;
  });

  test('payments send payment.updated on every status change and payment.failed for failures', async () => {
    const sub = (await c.subscribe({ name: 'Pay', events: [{ type: 'payment.updated', version: '1' }, { type: 'payment.failed', version: '1' }], notificationUrl: rx.url })).body;
    const b = (await c.post('/bills', billBody(vendorId, 2, 80))).body;
    const p = bill.pay({ billId: b.id, amount: '30', singleStatus: 'SCHEDULED' });
    bill.setPaymentStatus(p.id, 'FUNDING_FAILED_VOIDED');
    await waitFor(() => rx.received.length === 3, 3000, 'payment events');
    const types = rx.received.map((r) => r.json.metadata.eventType).sort();
    assert.deepEqual(types, ['payment.failed', 'payment.updated', 'payment.updated']);
    const first = rx.received.find((r) => r.json.payment.status === 'SCHEDULED')!.json.payment;
    assert.deepEqual(first.billIds, [b.id]);
    assert.equal(first.vendor.id, vendorId);
    await c.del(`/subscriptions/${sub.id}`, { events: true });
    rx.received.length = 0;
  });

  test('failures are retried after 2, 4, 8, 16 s (scaled), then the subscription is disabled until re-enabled; failed events can be resent', async () => {
    rx.respond = () => ({ status: 500 });
    const sub = (await c.subscribe({ name: 'Flaky', events: allBillEvents, notificationUrl: rx.url })).body;
    const b = (await c.post('/bills', billBody(vendorId, 3))).body;
    await waitFor(() => rx.received.length === 5, 3000, 'five attempts');
    const gaps = rx.received.slice(1).map((r, i) => r.at - rx.received[i]!.at);
    // 2, 4, 8, 16 s × 0.005 = 10, 20, 40, 80 ms: each wait is at least its scheduled delay.
    [10, 20, 40, 80].forEach((d, i) => assert.ok(gaps[i]! >= d - 2, `gap ${i} ${gaps[i]} >= ${d}`));
    await waitFor(() => bill.state.org(bill.sandbox.organizationId)!.subscriptions.get(sub.id)!.enabled === false, 3000, 'disabled');
    assert.deepEqual((await c.get(`/subscriptions/${sub.id}`, { events: true })).body.status, { enabled: false });
    const history = (await c.get(`/events/subscription/${sub.id}`, { events: true })).body.results;
    assert.equal(history.length, 1);
    assert.equal(history[0].statusCode, 500);
    const failedId = history[0].id;

    await c.patch(`/bills/${b.id}`, { billLineItems: [{ id: b.billLineItems[0].id, amount: 11 }] });
    await sleepMs(100);
    assert.equal(rx.received.length, 5, 'nothing is sent while disabled');

    rx.respond = () => ({ status: 200 });
    const enabled = await c.patch(`/subscriptions/${sub.id}`, { status: { enabled: true } }, { events: true });
    assert.deepEqual(enabled.body.status, { enabled: true });
    await c.patch(`/bills/${b.id}`, { invoice: { invoiceNumber: 'W-3b' } });
    await waitFor(() => rx.received.length === 6, 3000, 'delivery after re-enable');
    assert.deepEqual(rx.received[5]!.json.bill.invoice, { invoiceNumber: 'W-3b' });

    const resent = await c.post(`/events/subscription/${sub.id}/event/${failedId}`, undefined, { events: true });
    assert.equal(resent.status, 200);
    assert.equal(resent.body.statusCode, 200);
    assert.equal(rx.received[6]!.json.metadata.eventId, failedId);
    assert.equal(rx.received[6]!.raw.toString('utf8'), rx.received[0]!.raw.toString('utf8'), 'the resend carries the same bytes');
    await c.del(`/subscriptions/${sub.id}`, { events: true });
    rx.received.length = 0;
  });

  test('security keys rotate with an idempotency key; the test endpoint reports the receiver status', async () => {
    const sub = (await c.subscribe({ name: 'Keys', events: allBillEvents, notificationUrl: rx.url })).body;
    const path = `/subscriptions/${sub.id}/security_key`;
    assert.equal((await c.post(path, undefined, { events: true })).status, 400);
    const key = randomUUID();
    const rotated = await c.post(path, undefined, { events: true, headers: { 'X-Idempotent-Key': key } });
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.securityKey, sub.securityKey);
    const replay = await c.post(path, undefined, { events: true, headers: { 'X-Idempotent-Key': key } });
    assert.equal(replay.body.securityKey, rotated.body.securityKey);
    const test1 = await c.post(`/subscriptions/${sub.id}/test`, { eventType: 'bill.created', version: '1', bill: { id: 'test-bill-id', amount: 100 } }, { events: true });
    assert.equal(test1.status, 200);
    assert.equal(test1.body.statusCode, 200);
    const got = rx.received.at(-1)!;
    assert.equal(got.headers['x-bill-sha-signature'], sign(rotated.body.securityKey, got.raw));
    assert.deepEqual(got.json.bill, { id: 'test-bill-id', amount: 100 });
    await c.del(`/subscriptions/${sub.id}`, { events: true });
    rx.received.length = 0;
  });
});

describe('BILL emulator: delivery faults', () => {
  let bill: BillEmulator;
  let c: Client;
  let rx: Receiver;
  let vendorId: string;
  before(async () => {
    bill = await startBillEmulator({ seed: 83, webhookDelayScale: 0.005, webhookTimeoutMs: 150, initialSeed: { vendors: 1, bills: 0 } });
    c = await Client.open(bill);
    rx = await startReceiver();
    vendorId = (await c.get('/vendors')).body.results[0].id;
  });
  after(async () => {
    await bill.stop();
    await rx.close();
  });

  test('an answer slower than the timeout is a failed attempt and is retried', async () => {
    let calls = 0;
    rx.respond = () => ({ status: 200, delayMs: (calls += 1) === 1 ? 400 : 0 });
    const sub = (await c.subscribe({ name: 'Slow', events: allBillEvents, notificationUrl: rx.url })).body;
    await c.post('/bills', billBody(vendorId, 10));
    await waitFor(() => rx.received.length === 2, 3000, 'retry after timeout');
    await bill.ctx.webhooks.idle();
    const history = (await c.get(`/events/subscription/${sub.id}`, { events: true })).body.results;
    assert.equal(history[0].statusCode, 200);
    const dumped = (await control(bill, 'GET', '/state')).body.organizations[0].events[sub.id];
    assert.equal(dumped[0].attempts, 2);
    assert.equal(dumped[0].deliveryStatus, 'DELIVERED');
    await c.del(`/subscriptions/${sub.id}`, { events: true });
    rx.respond = () => ({ status: 200 });
    rx.received.length = 0;
  });

  test('duplicates: every event arrives twice with the same eventId', async () => {
    const sub = (await c.subscribe({ name: 'Dup', events: allBillEvents, notificationUrl: rx.url })).body;
    await control(bill, 'POST', '/faults', { webhookDuplicateRate: 1 });
    await c.post('/bills', billBody(vendorId, 11));
    await waitFor(() => rx.received.length === 2, 3000, 'duplicate');
    assert.equal(rx.received[0]!.json.metadata.eventId, rx.received[1]!.json.metadata.eventId);
    assert.equal((await control(bill, 'GET', '/stats')).body.faultsInjected.webhook_duplicate, 1);
    await control(bill, 'POST', '/faults', {});
    await c.del(`/subscriptions/${sub.id}`, { events: true });
    rx.received.length = 0;
  });

  test('reordering: held-back deliveries are overtaken by later ones', async () => {
    const sub = (await c.subscribe({ name: 'Order', events: allBillEvents, notificationUrl: rx.url })).body;
    await control(bill, 'POST', '/faults', { seed: 5, webhookReorderRate: 0.5 });
    const sent: string[] = [];
    for (let i = 0; i < 8; i += 1) sent.push((await c.post('/bills', billBody(vendorId, 20 + i))).body.id);
    await waitFor(() => rx.received.length === 8, 5000, 'all eight');
    const arrived = rx.received.map((r) => r.json.bill.id);
    assert.deepEqual([...arrived].sort(), [...sent].sort());
    assert.notDeepEqual(arrived, sent, 'at least one delivery arrived out of order');
    await control(bill, 'POST', '/faults', {});
    await c.del(`/subscriptions/${sub.id}`, { events: true });
    rx.received.length = 0;
  });

  test('drops: nothing arrives, the history shows the event was not delivered', async () => {
    const sub = (await c.subscribe({ name: 'Drop', events: allBillEvents, notificationUrl: rx.url })).body;
    await control(bill, 'POST', '/faults', { webhookDropRate: 1 });
    await c.post('/bills', billBody(vendorId, 40));
    await sleepMs(80);
    assert.equal(rx.received.length, 0);
    const stats = (await control(bill, 'GET', '/stats')).body;
    assert.equal(stats.webhooks.dropped, 1);
    const dumped = (await control(bill, 'GET', '/state')).body.organizations[0].events[sub.id];
    assert.equal(dumped[0].deliveryStatus, 'DROPPED');
    await control(bill, 'POST', '/faults', {});
  });
});
