import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../src/core/errors.ts';
import { money } from '../../src/core/money.ts';
import { startQboEmulator } from '../../src/emulators/qbo/index.ts';
import { MemoryCredentialStore } from '../../src/systems/memory-credential-store.ts';
import { QboOAuth, type QboCredentials, type QboUrls } from '../../src/systems/qbo/auth.ts';
import { createQboClient } from '../../src/systems/qbo/client.ts';
import { QboPort } from '../../src/systems/qbo/port.ts';
import { withSyncToken } from '../../src/systems/qbo/sync-token.ts';

const REDIRECT_URI = 'http://127.0.0.1:4999/oauth/qbo/callback';
/** Retries without real sleeps: QBO sends no Retry-After, so backoff is ours to shorten in tests. */
const fastRetries = { maxAttempts: 4, maxRateLimitAttempts: 6, baseDelayMs: 1, maxDelayMs: 5, maxWaitMs: 1000 };

type Emulator = Awaited<ReturnType<typeof startQboEmulator>>;

async function connect(emu: Emulator) {
  const urls: QboUrls = urlsOf(emu);
  const { clientId, clientSecret } = emu.sandbox;
  const oauth = new QboOAuth({ clientId, clientSecret, urls });
  const { url, state } = oauth.buildAuthorizeUrl({ redirectUri: REDIRECT_URI });
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  assert.equal(res.status, 302, `authorize answered ${res.status}`);
  const callback = new URL(location!);
  const credentials = await oauth.exchangeCode({
    code: callback.searchParams.get('code')!,
    state: callback.searchParams.get('state'),
    expectedState: state,
    redirectUri: REDIRECT_URI,
    realmId: callback.searchParams.get('realmId')!,
  });
  const store = new MemoryCredentialStore<QboCredentials>(credentials);
  const client = () => createQboClient({ clientId, clientSecret, credentials: store, urls, retryPolicy: fastRetries });
  return { urls, oauth, credentials, store, client, realmId: credentials.realmId! };
}

function urlsOf(emu: Emulator): QboUrls {
  const base = emu.urls.base;
  return { api: base, appcenter: base, oauth: base, revoke: base };
}

async function control(emu: Emulator, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${emu.urls.base}/_emulator/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(res.ok, `emulator ${path}: ${res.status} ${await res.text()}`);
}

test('OAuth: connect through the code flow with realmId; refresh rotates the refresh token once for concurrent calls; the old one asks for reconnect', async () => {
  const emu = await startQboEmulator({});
  try {
    const c = await connect(emu);
    assert.equal(c.realmId, emu.sandbox.realmId);
    assert.ok(c.credentials.refreshTokenExpiresAt! > Date.now());
    const qbo = c.client();
    const company = qbo.forRealm(c.realmId);
    assert.ok((await company.queryAll('Account')).length > 0);
    await control(emu, 'faults', { expireAuthNow: true });
    const before = (await c.store.load()).refreshToken;
    await Promise.all([company.queryAll('Vendor'), company.queryAll('Account'), company.queryAll('Vendor')]);
    assert.equal(qbo.tokens.refreshCount, 1, 'one refresh for three refused calls');
    const after = await c.store.load();
    assert.equal(c.store.saves.length, 1);
    assert.notEqual(after.accessToken, c.credentials.accessToken);
    assert.notEqual(after.refreshToken, before, 'the rotated refresh token was saved');
    // Once the emulator's 24-hour overlap has passed, the superseded refresh token is refused, and
    // the error names the command that fixes it.
    emu.ctx.clock.advance(25 * 3600_000);
    const reconnect = (e: unknown) => e instanceof ConnectorError && e.code === 'MLC_ERR_RECONNECT_NEEDED' && /`ml-connector connect qbo`/.test(e.message);
    await assert.rejects(c.oauth.refresh(before), reconnect);
    // The user disconnects the app in QuickBooks: the next call's refresh is refused the same way.
    emu.disconnect(c.realmId);
    await assert.rejects(company.queryAll('Vendor'), reconnect);
  } finally {
    await emu.stop();
  }
});

test('vendors: an existing name is linked, and a 6240 duplicate name is resolved by finding the vendor, not by a second one', async () => {
  const emu = await startQboEmulator({});
  try {
    const c = await connect(emu);
    const company = c.client().forRealm(c.realmId);
    const port = new QboPort(company);
    const payload = { name: 'Harbor Freight Co', email: 'ap@harbor.test', phone: null, taxId: '12-3456789', address: null, currency: 'USD' };
    const [first] = await port.write.vendor.create([payload], undefined);
    assert.ok(first?.ok);
    const [again] = await port.write.vendor.create([{ ...payload, name: 'harbor freight co ' }], undefined);
    assert.deepEqual(again, first, 'matched by name');
    assert.equal((await company.queryAll('Vendor', [{ field: 'DisplayName', op: '=', value: 'Harbor Freight Co' }])).length, 1);
    // Someone adds a vendor in QuickBooks after this port read its vendors: the create meets 6240.
    const other = await company.create('Vendor', { DisplayName: 'Lakeside Printing' });
    const [linked] = await port.write.vendor.create([{ ...payload, name: 'Lakeside Printing', taxId: null, email: null }], undefined);
    assert.deepEqual(linked, { ok: true, targetId: other.Id });
    const named = await company.queryAll('Vendor', [{ field: 'DisplayName', op: 'LIKE', value: 'Lakeside%' }]);
    assert.equal(named.length, 1, 'no "Lakeside Printing (1)"');
    // After a lost answer the vendor is found again by its name key, tax id or email, answering the key as asked.
    const found = await port.write.vendor.findByMatchKey([' HARBOR FREIGHT CO', 'taxid:123456789', 'email:ap@harbor.test', 'nobody'], new Date(0));
    assert.deepEqual(found.map((f) => f.id), [first.targetId, first.targetId, first.targetId]);
    assert.deepEqual(found.map((f) => f.key).sort(), [' HARBOR FREIGHT CO', 'email:ap@harbor.test', 'taxid:123456789']);
  } finally {
    await emu.stop();
  }
});

test('SyncToken: a stale update (5010) re-reads and succeeds once; stale twice is a conflict', async () => {
  const emu = await startQboEmulator({});
  try {
    const c = await connect(emu);
    const company = c.client().forRealm(c.realmId);
    const vendor = await company.create('Vendor', { DisplayName: 'Stale Token Supply' });
    await company.updateSparse('Vendor', { Id: vendor.Id, SyncToken: vendor.SyncToken, sparse: true, CompanyName: 'Changed in QuickBooks' });
    let reads = 0;
    const updated = await withSyncToken('Vendor', async () => (reads++ === 0 ? vendor : company.read('Vendor', vendor.Id)), (current) =>
      company.updateSparse('Vendor', { Id: vendor.Id, SyncToken: current.SyncToken, sparse: true, PrintOnCheckName: 'Stale Token Supply LLC' }));
    assert.equal(reads, 2);
    assert.equal(updated.PrintOnCheckName, 'Stale Token Supply LLC');
    await assert.rejects(
      withSyncToken('Vendor', async () => vendor, (current) => company.updateSparse('Vendor', { Id: vendor.Id, SyncToken: current.SyncToken, sparse: true, CompanyName: 'x' })),
      (e: unknown) => e instanceof ConnectorError && e.code === 'MLC_ERR_CONFLICT' && e.vendorCode === '5010',
    );
  } finally {
    await emu.stop();
  }
});

test('purchase order: a create whose answer was lost is repeated with the same requestid and replayed, not duplicated', async () => {
  const emu = await startQboEmulator({});
  try {
    const c = await connect(emu);
    const qbo = c.client();
    const company = qbo.forRealm(c.realmId);
    const port = new QboPort(company);
    const expense = (await port.chart.list()).find((a) => a.kind === 'expense' && a.active)!;
    const [vendor] = await port.write.vendor.create([{ name: 'Requestid Parts', email: null, phone: null, taxId: null, address: null, currency: 'USD' }], undefined);
    assert.ok(vendor?.ok);
    const payload = {
      vendorId: vendor.targetId, invoiceNumber: 'RP-2026-000000000000001', invoiceDate: '2026-01-05', dueDate: '2026-02-04', currency: 'USD', description: 'Gaskets',
      lines: [{ amount: money('USD', 42_50n), description: 'Gaskets', chartOfAccountId: expense.id, departmentId: null }],
    };
    await control(emu, 'faults', { script: [{ fault: 'lost_response' }], pathPattern: '/purchaseorder', methods: ['POST'] });
    const [po] = await port.write.purchaseOrder.create([payload], undefined);
    assert.ok(po?.ok, 'the retry got the first answer back');
    assert.equal(emu.ctx.stats.snapshot().faultsInjected.lost_response, 1, 'the first answer was lost');
    assert.ok(qbo.metrics.retries >= 1, 'the create was sent again');
    const all = await company.queryAll('PurchaseOrder');
    assert.equal(all.filter((p) => p.VendorRef.value === vendor.targetId).length, 1);
    assert.equal(all.find((p) => p.Id === po.targetId)?.DocNumber?.length, 21);
    const found = await port.write.purchaseOrder.findByMatchKey([`${vendor.targetId}|rp-2026-000000000000001|4250`], new Date(Date.now() - 60_000));
    assert.deepEqual(found.map((f) => f.id), [po.targetId]);
    await port.write.purchaseOrder.archive!(po.targetId);
    assert.equal((await company.read('PurchaseOrder', po.targetId)).POStatus, 'Closed');
  } finally {
    await emu.stop();
  }
});

test('throttled (429 Fault 3001, no Retry-After) calls back off and succeed; vendor and purchase order updates carry the SyncToken', async () => {
  const emu = await startQboEmulator({});
  try {
    const c = await connect(emu);
    const qbo = c.client();
    const company = qbo.forRealm(c.realmId);
    await control(emu, 'faults', { rateLimitBurst: 2 });
    assert.ok((await company.queryAll('Account')).length > 0);
    assert.equal(qbo.metrics.rejections.rate_limited, 2);
    const port = new QboPort(company);
    const [vendor] = await port.write.vendor.create([{ name: 'Update Me Co', email: null, phone: null, taxId: null, address: null, currency: 'USD' }], undefined);
    assert.ok(vendor?.ok);
    await port.write.vendor.update!(vendor.targetId, { name: 'Update Me Co', email: 'ap@update.test', phone: '555-0101', taxId: null, address: null, currency: 'USD' }, undefined);
    const read = await company.read('Vendor', vendor.targetId);
    assert.deepEqual([read.PrimaryEmailAddr?.Address, read.SyncToken], ['ap@update.test', '1']);
    const expense = (await port.chart.list()).find((a) => a.kind === 'expense')!;
    const payload = { vendorId: vendor.targetId, invoiceNumber: 'UP-1', invoiceDate: '2026-01-05', dueDate: '2026-02-04', currency: 'USD', description: '', lines: [{ amount: money('USD', 10_00n), description: 'One', chartOfAccountId: expense.id, departmentId: null }] };
    const [po] = await port.write.purchaseOrder.create([payload], undefined);
    assert.ok(po?.ok);
    await port.write.purchaseOrder.update!(po.targetId, { ...payload, lines: [...payload.lines, { amount: money('USD', 2_50n), description: 'Two', chartOfAccountId: expense.id, departmentId: null }] }, undefined);
    const updated = await company.read('PurchaseOrder', po.targetId);
    assert.deepEqual([updated.TotalAmt, updated.Line.filter((l) => l.DetailType === 'AccountBasedExpenseLineDetail').length, updated.POStatus], ['12.5', 2, 'Open']);
  } finally {
    await emu.stop();
  }
});
