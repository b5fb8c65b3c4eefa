import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorError } from '../../src/core/errors.ts';
import { isAmbiguousWrite } from '../../src/http/ambiguous-write-error.ts';
import { readBillWebhook } from '../../src/systems/bill/webhooks.ts';
import { startBillHarness } from './bill-harness.ts';
import { eventually } from './log-capture.ts';

const LOGIN = 'POST /connect/v3/login';

test('BILL: one login serves many calls and a second process reuses the stored session', async () => {
  const h = await startBillHarness({ seed: 3 });
  try {
    const client = h.client();
    const org = client.forOrg(h.emu.sandbox.organizationId);
    const results = await Promise.all(Array.from({ length: 12 }, () => org.listChartOfAccounts()));
    assert.ok(results.every((r) => r.length > 0));
    const other = h.client().forOrg(h.emu.sandbox.organizationId);
    await other.listDepartments();
    assert.equal(client.session.loginCount, 1);
    const stats = await h.stats();
    assert.equal(stats.callsByEndpoint[LOGIN], 1);
    assert.ok((await h.store.load()).session?.sessionId);
  } finally {
    await h.stop();
  }
});

test('BILL: a session that expired on the service side is renewed transparently, once', async () => {
  const h = await startBillHarness({ seed: 4 });
  try {
    const client = h.client();
    const org = client.forOrg(h.emu.sandbox.organizationId);
    await org.listDepartments();
    const first = (await h.store.load()).session!.sessionId;
    await h.advanceClock(36 * 60);
    const parallel = await Promise.all(Array.from({ length: 5 }, () => org.listDepartments()));
    assert.equal(parallel.length, 5);
    assert.equal(client.session.loginCount, 2, 'five calls saw BDC_1109, one login replaced the session');
    assert.notEqual((await h.store.load()).session!.sessionId, first);
    assert.equal((await h.stats()).callsByEndpoint[LOGIN], 2);
  } finally {
    await h.stop();
  }
});

test('BILL: with our own idle clock past 30 minutes the client logs in again before calling', async () => {
  const h = await startBillHarness({ seed: 5 });
  try {
    let now = Date.now();
    const client = h.client({ clock: { now: () => now } });
    const org = client.forOrg(h.emu.sandbox.organizationId);
    await org.listDepartments();
    now += 31 * 60_000;
    await org.listDepartments();
    assert.equal(client.session.loginCount, 2);
    const stats = await h.stats();
    assert.equal(stats.callsByEndpoint['GET /connect/v3/classifications/departments'], 2, 'no call was wasted on a dead session');
  } finally {
    await h.stop();
  }
});

test('BILL: 20 parallel calls stay within 3 in flight and BILL refuses none', async () => {
  const h = await startBillHarness({ seed: 6, latencyMs: 40 });
  try {
    const client = h.client();
    const org = client.forOrg(h.emu.sandbox.organizationId);
    await Promise.all(Array.from({ length: 20 }, () => org.listDepartments()));
    const stats = await h.stats();
    assert.ok((stats.maxInFlight[`bill:${h.emu.sandbox.organizationId}`] ?? 0) <= 3);
    assert.equal(stats.maxInFlight[`bill:${h.emu.sandbox.organizationId}`], 3, 'the cap is used, not undershot');
    assert.equal(stats.rejections['bill.concurrent'] ?? 0, 0);
    assert.equal(stats.limitViolations, 0);
    assert.ok(client.metrics.inFlightMax <= 3);
    assert.equal(client.metrics.retries, 0);
  } finally {
    await h.stop();
  }
});

test('BILL: injected BDC_1322 bursts are retried with 2^n s full-jitter backoff', async () => {
  const h = await startBillHarness({ seed: 7 });
  try {
    const org = h.client().forOrg(h.emu.sandbox.organizationId);
    await org.listDepartments();
    await h.faults({ rateLimitBurst: 3 });
    const departments = await org.listDepartments();
    assert.ok(departments.length > 0);
    assert.equal(h.waits.length, 3);
    h.waits.forEach((w, i) => assert.ok(w >= 0 && w < 1000 * 2 ** i, `wait ${i} = ${w} within 2^${i} s`));
  } finally {
    await h.stop();
  }
});

test('BILL: 5xx answers are retried with backoff and give up after the attempt budget', async () => {
  const h = await startBillHarness({ seed: 8 });
  try {
    const client = h.client();
    const org = client.forOrg(h.emu.sandbox.organizationId);
    await org.listDepartments();
    await h.faults({ serverErrorRate: 1, pathPattern: 'departments' });
    await assert.rejects(org.listDepartments(), (e: unknown) => e instanceof ConnectorError && e.code === 'MLC_ERR_SERVER' && e.vendorCode === 'BDC_1001');
    assert.equal(h.waits.length, 3);
    await h.faults({ unavailableRate: 0.5, seed: 11, pathPattern: 'departments' });
    for (let i = 0; i < 5; i += 1) await org.listDepartments();
    assert.ok((client.metrics.rejections.server ?? 0) > 4);
  } finally {
    await h.stop();
  }
});

test('BILL: a lost answer to a create is surfaced as ambiguous, never repeated; the record is found by searching', async () => {
  const h = await startBillHarness({ seed: 9 });
  try {
    const org = h.client().forOrg(h.emu.sandbox.organizationId);
    await org.listDepartments();
    await h.faults({ lostResponseRate: 1, pathPattern: '/vendors$' });
    await assert.rejects(org.createVendor({ name: 'Lost Answer Supplies', email: 'ap@lost.example' }), (e: unknown) => {
      assert.ok(isAmbiguousWrite(e));
      assert.match((e as Error).message, /POST \/connect\/v3\/vendors/);
      return true;
    });
    await h.faults({});
    assert.equal((await h.stats()).callsByEndpoint['POST /connect/v3/vendors'], 1, 'sent once');
    const found = [];
    for await (const page of org.iterateVendors({ filters: [{ field: 'name', op: 'eq', value: 'Lost Answer Supplies' }] })) found.push(...page.records);
    assert.equal(found.length, 1, 'the write was applied exactly once');
  } finally {
    await h.stop();
  }
});

test('BILL: paging generators walk every page in updatedTime order; listBillsByVendorIds filters with in:', async () => {
  const h = await startBillHarness({ seed: 10, initialSeed: { vendors: 45, bills: 60 } });
  try {
    const org = h.client().forOrg(h.emu.sandbox.organizationId);
    const pages = [];
    for await (const page of org.iterateVendors({ max: 10 })) pages.push(page);
    assert.equal(pages.length, 5);
    const ids = pages.flatMap((p) => p.records.map((v) => v.id));
    assert.equal(new Set(ids).size, 45);
    assert.equal(pages.at(-1)!.nextPage, undefined);
    const times = pages.flatMap((p) => p.records.map((v) => Date.parse(v.updatedTime)));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.equal(pages[0]!.maxUpdatedTime, pages[0]!.records.at(-1)!.updatedTime);
    // Resume from a saved page token.
    const resumed = [];
    for await (const page of org.iterateVendors({ max: 10, page: pages[2]!.nextPage! })) resumed.push(...page.records);
    assert.deepEqual(resumed.map((v) => v.id), ids.slice(30));

    const bills = [];
    for await (const page of org.iterateBills({ max: 25 })) bills.push(...page.records);
    assert.equal(bills.length, 60);
    const someVendors = [...new Set(bills.map((b) => b.vendorId))].slice(0, 3);
    const byVendor = await org.listBillsByVendorIds(someVendors);
    assert.deepEqual(new Set(byVendor.map((b) => b.vendorId)), new Set(someVendors));
    assert.equal(byVendor.length, bills.filter((b) => someVendors.includes(b.vendorId)).length);
    const since = bills[30]!.updatedTime;
    const newer = [];
    for await (const page of org.iterateBills({ updatedSince: since })) newer.push(...page.records);
    assert.ok(newer.every((b) => Date.parse(b.updatedTime) >= Date.parse(since)));
  } finally {
    await h.stop();
  }
});

test('BILL: vendor, bill, payment and classification writes and reads round-trip', async () => {
  const h = await startBillHarness({ seed: 12, initialSeed: { vendors: 1, bills: 0 } });
  try {
    const org = h.client().forOrg(h.emu.sandbox.organizationId);
    const [v1, v2] = await org.createVendorsBulk([{ name: 'Bulk One', billCurrency: 'USD' }, { name: 'Bulk Two', address: { line1: '1 Main', city: 'Austin', zipOrPostalCode: '78701', country: 'US' } }]);
    assert.ok(v1!.id.startsWith('009') && v2!.id.startsWith('009'));
    const renamed = await org.updateVendor(v1!.id, { email: 'ap@bulkone.example' });
    assert.equal(renamed.email, 'ap@bulkone.example');
    const accounts = await org.listChartOfAccounts();
    const expense = accounts.find((a) => a.account?.type === 'EXPENSE')!;
    const line = { amount: '100.10', description: 'Paper', classifications: { chartOfAccountId: expense.id } };
    const input = Object.freeze({ vendorId: v1!.id, dueDate: '2026-02-01', invoice: { invoiceNumber: 'INV-1', invoiceDate: '2026-01-02' }, billLineItems: [line] });
    const bill = await org.createBill(input);
    assert.equal(bill.amount, '100.1');
    assert.ok(bill.billLineItems[0]!.id?.startsWith('bli'));
    const bulk = await org.createBillsBulk([
      { ...input, invoice: { invoiceNumber: 'INV-2', invoiceDate: '2026-01-03' } },
      { ...input, vendorId: v2!.id, invoice: { invoiceNumber: 'INV-3', invoiceDate: '2026-01-03' }, billLineItems: [{ amount: '5.55' }, { quantity: '3', price: '0.10' }] },
    ]);
    assert.equal(bulk[1]!.amount, '5.85');
    const patched = await org.patchBill(bill.id, { description: 'January paper' });
    assert.equal(patched.billLineItems[0]!.id, bill.billLineItems[0]!.id);
    const replaced = await org.replaceBill(bill.id, { ...input, billLineItems: [{ amount: '120.00', description: 'Paper, more' }] });
    assert.equal(replaced.amount, '120');
    assert.notEqual(replaced.billLineItems[0]!.id, bill.billLineItems[0]!.id);
    const archived = await org.archiveBill(bulk[0]!.id);
    assert.equal(archived.archived, true);
    const reread = await org.getBill(bill.id);
    assert.equal(reread.amount, '120');
    assert.equal(reread.description, undefined, 'PUT replaces the whole bill, dropping the patched description');

    const paid = h.emu.pay({ billId: bill.id, amount: '20.00' });
    const payment = await org.getPayment(paid.id);
    assert.equal(payment.billPayments[0]!.billId, bill.id);
    assert.equal(payment.amount, '20');
    const payments = [];
    for await (const page of org.iteratePayments({})) payments.push(...page.records);
    assert.ok(payments.some((p) => p.id === paid.id));

    const before = accounts.length;
    const created = await org.createChartOfAccountsBulk([{ name: 'Software Subscriptions', account: { type: 'EXPENSE', number: '485' } }]);
    assert.equal(created[0]!.name, 'Software Subscriptions');
    assert.equal((await org.listChartOfAccounts()).length, before + 1);
    assert.ok((await org.listDepartments()).length > 0);
    await assert.rejects(org.createBillsBulk(Array.from({ length: 201 }, () => input)), /at most 200/);
  } finally {
    await h.stop();
  }
});

test('BILL: bad credentials are MLC_ERR_BAD_CREDENTIALS telling the user what to do', async () => {
  const h = await startBillHarness({ seed: 13 });
  try {
    await h.store.update(async (c) => ({ ...c, password: 'wrong-password-123' }));
    const org = h.client().forOrg(h.emu.sandbox.organizationId);
    await assert.rejects(org.listDepartments(), (e: unknown) => {
      assert.ok(e instanceof ConnectorError);
      assert.equal(e.code, 'MLC_ERR_BAD_CREDENTIALS');
      assert.equal(e.vendorCode, 'BDC_1101');
      assert.match(e.message, /ml-connector connect bill/);
      assert.ok(!e.message.includes('wrong-password-123'));
      return true;
    });
    await assert.rejects(h.client().forOrg('008notmine').listDepartments(), /belong to organisation/);
  } finally {
    await h.stop();
  }
});

test('BILL: webhook subscription API, and a delivery verified with the security key', async () => {
  const h = await startBillHarness({ seed: 14, initialSeed: { vendors: 1, bills: 0 } });
  const received: { body: Buffer; signature: string | undefined }[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks), signature: req.headers['x-bill-sha-signature'] as string | undefined });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/bill`;
    const org = h.client().forOrg(h.emu.sandbox.organizationId);
    const sub = await org.createSubscription({ name: 'mlc', notificationUrl: url, events: [{ type: 'vendor.created', version: '1' }, { type: 'bill.created', version: '1' }] });
    assert.ok(sub.securityKey && sub.status.enabled);
    assert.equal((await org.listSubscriptions()).length, 1);
    assert.equal((await org.getSubscription(sub.id)).securityKey, undefined, 'the key is shown once');
    const disabled = await org.updateSubscription(sub.id, { enabled: false });
    assert.equal(disabled.status.enabled, false);
    assert.equal((await org.updateSubscription(sub.id, { enabled: true })).status.enabled, true);
    const key = await org.rotateSecurityKey(sub.id);
    assert.notEqual(key, sub.securityKey);

    const vendor = await org.createVendor({ name: 'Webhook Vendor' });
    await eventually(() => received.length > 0);
    const delivery = received[0]!;
    const read = readBillWebhook({ rawBody: delivery.body, signature: delivery.signature, securityKey: key });
    assert.ok(read.ok, 'signed with the rotated key');
    assert.equal(read.value.metadata.eventType, 'vendor.created');
    assert.equal(read.value.entity.id, vendor.id);
    const stale = readBillWebhook({ rawBody: delivery.body, signature: delivery.signature, securityKey: sub.securityKey! });
    assert.ok(!stale.ok && stale.error.reason === 'bad_signature');
  } finally {
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
    await h.stop();
  }
});
