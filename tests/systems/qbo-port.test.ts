import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorError } from '../../src/core/errors.ts';
import { money } from '../../src/core/money.ts';
import { startQboEmulator } from '../../src/emulators/qbo/index.ts';
import { MemoryCredentialStore } from '../../src/systems/memory-credential-store.ts';
import { QboOAuth, type QboCredentials, type QboUrls } from '../../src/systems/qbo/auth.ts';
import { createQboClient } from '../../src/systems/qbo/client.ts';
import { QboPort } from '../../src/systems/qbo/port.ts';
import { readQboWebhook, type QboWebhookEvent } from '../../src/systems/qbo/webhooks.ts';

const REDIRECT_URI = 'http://127.0.0.1:4999/oauth/qbo/callback';
const fastRetries = { maxAttempts: 4, maxRateLimitAttempts: 6, baseDelayMs: 1, maxDelayMs: 5, maxWaitMs: 1000 };

/** One emulator and one connected client for the whole file: each test uses its own vendors. */
async function connected() {
  const emu = await startQboEmulator({});
  const base = emu.urls.base;
  const urls: QboUrls = { api: base, appcenter: base, oauth: base, revoke: base };
  const { clientId, clientSecret } = emu.sandbox;
  const oauth = new QboOAuth({ clientId, clientSecret, urls });
  const { url, state } = oauth.buildAuthorizeUrl({ redirectUri: REDIRECT_URI });
  const callback = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
  const credentials = await oauth.exchangeCode({ code: callback.searchParams.get('code')!, state: callback.searchParams.get('state'), expectedState: state, redirectUri: REDIRECT_URI, realmId: callback.searchParams.get('realmId')! });
  const qbo = createQboClient({ clientId, clientSecret, credentials: new MemoryCredentialStore<QboCredentials>(credentials), urls, retryPolicy: fastRetries });
  return { emu, qbo, company: qbo.forRealm(credentials.realmId!) };
}

const vendorPayload = (name: string) => ({ name, email: null, phone: null, taxId: null, address: null, currency: 'USD' });

test('QBO port over the emulator', async (t) => {
  const { emu, qbo, company } = await connected();
  const port = new QboPort(company);
  t.after(() => emu.stop());

  await t.test('the chart is listed, never created; a bank account takes payments', async () => {
    const chart = await port.chart.list();
    assert.equal(port.chart.create, undefined);
    assert.ok(chart.some((a) => a.kind === 'expense'));
    assert.ok(chart.some((a) => a.kind === 'bank' && a.acceptsPayments));
  });

  await t.test('a purchase order becomes a linked Bill, and a BillPayment applied to it in part lowers its balance; found again by reference', async () => {
    const chart = await port.chart.list();
    const expense = chart.find((a) => a.kind === 'expense' && a.active)!;
    const bank = chart.find((a) => a.kind === 'bank')!;
    const [vendor] = await port.write.vendor.create([vendorPayload('Paid In Part Ltd')], undefined);
    assert.ok(vendor?.ok);
    const payload = { vendorId: vendor.targetId, invoiceNumber: 'PIP-7', invoiceDate: '2026-01-05', dueDate: '2026-02-04', currency: 'USD', description: 'Bolts', lines: [{ amount: money('USD', 100_00n), description: 'Bolts', chartOfAccountId: expense.id, departmentId: null }] };
    const [po] = await port.write.bill.create([payload], undefined);
    assert.ok(po?.ok);
    const billId = await port.billFromPurchaseOrder(po.targetId);
    assert.equal(await port.billFromPurchaseOrder(po.targetId), billId, 'a second call finds the linked Bill');
    const started = new Date(Date.now() - 1000);
    // In purchase-order mode a payment names the PurchaseOrder; it is applied to the Bill the PO became.
    const [paid] = await port.write.payment.create([{ erpBillId: po.targetId, amount: money('USD', 40_00n), date: '2026-01-10', reference: 'BILL pay1 app1', applicationId: 'app1' }], { id: bank.id });
    assert.ok(paid?.ok);
    const bill = await company.read('Bill', billId);
    assert.equal(bill.Balance, '60');
    const [asPayable] = (await port.read.bill.get([po.targetId])).items;
    assert.deepEqual([asPayable?.status, asPayable?.amountDue.minor, asPayable?.amountPaid.minor], ['approved', 60_00n, 40_00n], 'the closed PO reads as the balance of its Bill');
    const payment = await company.read('BillPayment', paid.targetId);
    assert.deepEqual([payment.PayType, payment.CheckPayment?.BankAccountRef?.value, payment.VendorRef.value], ['Check', bank.id, vendor.targetId]);
    assert.deepEqual(await port.write.payment.findByMatchKey(['BILL pay1 app1', 'BILL other'], started), [{ key: 'BILL pay1 app1', id: paid.targetId }]);
    await assert.rejects(port.write.payment.create([], { id: expense.id }), (e: unknown) => e instanceof ConnectorError && e.code === 'MLC_ERR_CONFIG');
  });

  await t.test('readers: a full read pages by query, a recent checkpoint reads CDC; get by ids', async () => {
    const before = new Date(Date.now() - 60_000).toISOString();
    const [made] = await port.write.vendor.create([vendorPayload('Delta Reader Inc')], undefined);
    assert.ok(made?.ok);
    const full: string[] = [];
    for await (const page of port.read.vendor.iterate(null)) full.push(...page.items.map((v) => v.name));
    assert.ok(full.includes('Delta Reader Inc'));
    const cdcCalls = () => Object.entries(emu.ctx.stats.snapshot().callsByEndpoint).filter(([k]) => /\/cdc/.test(k)).reduce((n, [, v]) => n + v, 0);
    const cdcBefore = cdcCalls();
    const recent: string[] = [];
    let cursor: string | null = null;
    for await (const page of port.read.vendor.iterate(before)) {
      recent.push(...page.items.map((v) => v.name));
      cursor = page.cursor;
    }
    assert.ok(recent.includes('Delta Reader Inc'));
    assert.equal(cdcCalls(), cdcBefore + 1, 'the recent checkpoint was read through CDC');
    assert.ok(cursor && Date.parse(cursor) >= Date.parse(before));
    assert.deepEqual((await port.read.vendor.get([made.targetId])).items.map((v) => v.id), [made.targetId]);
  });

  await t.test('batch: each item answers by bId, a duplicate name fails alone', async () => {
    const results = await company.batch([
      { bId: 'a', operation: 'create', entity: 'Vendor', body: { DisplayName: 'Batch One Co' } },
      { bId: 'b', operation: 'create', entity: 'Vendor', body: { DisplayName: 'Paid In Part Ltd' } },
      { bId: 'c', query: 'SELECT * FROM Vendor MAXRESULTS 1' },
    ]);
    assert.deepEqual(results.map((r) => [r.bId, r.ok]), [['a', true], ['b', false], ['c', true]]);
    const failed = results[1]!;
    assert.ok(!failed.ok && failed.error.vendorCode === '6240');
  });

  await t.test('a company the grant does not reach answers 3100', async () => {
    await assert.rejects(qbo.forRealm(emu.sandbox.otherRealmId).queryAll('Vendor'), (e: unknown) => e instanceof ConnectorError && e.code === 'MLC_ERR_FORBIDDEN' && e.vendorCode === '3100');
  });

  await t.test('webhooks from the emulator verify and parse in both formats', async () => {
    const events: QboWebhookEvent[] = [];
    const refused: string[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const read = readQboWebhook({ rawBody: Buffer.concat(chunks), signature: req.headers['intuit-signature'], verifierToken: emu.sandbox.webhookVerifierToken });
        if (read.ok) events.push(...read.value);
        else refused.push(read.error.reason);
        res.writeHead(read.ok ? 200 : 401).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => { receiver.closeAllConnections(); receiver.close(() => r()); }));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/qbo`;
    for (const format of ['legacy', 'cloudevents'] as const) {
      const res = await fetch(`${emu.urls.base}/_emulator/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url, format }) });
      assert.ok(res.ok);
      const [v] = await port.write.vendor.create([vendorPayload(`Webhook ${format} Co`)], undefined);
      assert.ok(v?.ok);
      await emu.flushWebhooks();
      const event = events.find((e) => e.id === v.targetId);
      assert.ok(event, `a ${format} event for the vendor arrived and verified`);
      assert.deepEqual([event.realmId, event.entity, event.operation], [company.realmId, 'Vendor', 'Create']);
    }
    assert.deepEqual(refused, []);
  });
});
