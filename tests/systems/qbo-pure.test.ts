import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { HttpFailure } from '../../src/http/transport.ts';
import { money } from '../../src/core/money.ts';
import { classifyQboFailure, isQboFault } from '../../src/systems/qbo/errors.ts';
import { parseFault } from '../../src/systems/qbo/fault.ts';
import { buildQboQuery, quoteQboString } from '../../src/systems/qbo/query.ts';
import { qboRequestId } from '../../src/systems/qbo/request-id.ts';
import { qboDocNumber } from '../../src/systems/qbo/doc-number.ts';
import { readQboWebhook } from '../../src/systems/qbo/webhooks.ts';
import { purchaseOrderInput, qboVendorMatchKeys, transactionDepartment, vendorInput } from '../../src/systems/qbo/to-wire.ts';
import { encodeQbo } from '../../src/systems/qbo/write-shapes.ts';
import { qboSpec } from '../../src/systems/qbo/spec.ts';

const failure = (status: number, body: unknown): HttpFailure => {
  const bodyText = typeof body === 'string' ? body : JSON.stringify(body);
  let json: unknown;
  try { json = JSON.parse(bodyText); } catch { json = undefined; }
  return { system: 'qbo', request: 'POST /v3/company/9130/vendor', status, headers: new Headers(), bodyText, json, now: 0 };
};
const fault = (type: string, code: string, Message: string, Detail: string, element?: string) => ({
  Fault: { Error: [{ Message, Detail, code, ...(element ? { element } : {}) }], type }, time: '2026-01-05T10:00:00.000-08:00',
});

test('query builder: escapes quotes and backslashes, joins with AND, pages with STARTPOSITION/MAXRESULTS capped at 1000', () => {
  assert.equal(quoteQboString("O'Brien \\ Sons"), "'O\\'Brien \\\\ Sons'");
  const q = buildQboQuery({
    entity: 'Vendor',
    where: [{ field: 'DisplayName', op: '=', value: "Joe's Plumbing" }, { field: 'Id', op: 'IN', values: ['1', "2'"] }, { field: 'Active', op: '=', value: true }],
    orderBy: 'MetaData.LastUpdatedTime desc',
    startPosition: 1001,
    maxResults: 5000,
  });
  assert.equal(q, "SELECT * FROM Vendor WHERE DisplayName = 'Joe\\'s Plumbing' AND Id IN ('1', '2\\'') AND Active = true ORDERBY MetaData.LastUpdatedTime DESC STARTPOSITION 1001 MAXRESULTS 1000");
  assert.throws(() => buildQboQuery({ entity: 'Vendor; DROP', where: [] }), /not a QBO field/);
  assert.throws(() => buildQboQuery({ entity: 'Vendor', where: [{ field: 'Id', op: 'IN', values: [] }] }), /empty/);
  assert.throws(() => buildQboQuery({ entity: 'Vendor', startPosition: 0 }), /positive integer/);
});

test('Fault envelope: codes and details named; 3200 refreshes, 3100 realm, 5010 conflict, 6240 validation, 3001 throttled without Retry-After', () => {
  const expired = classifyQboFailure(failure(401, fault('AUTHENTICATION', '3200', 'message=AuthenticationFailed; errorCode=003200; statusCode=401', 'Token expired')));
  assert.deepEqual([expired.code, expired.vendorCode], ['MLC_ERR_AUTH_EXPIRED', '3200']);
  const realm = classifyQboFailure(failure(403, fault('SERVICE', '3100', 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403', '')));
  assert.deepEqual([realm.code, realm.vendorCode], ['MLC_ERR_FORBIDDEN', '3100']);
  assert.match(realm.message, /ml-connector connect qbo/);
  const stale = classifyQboFailure(failure(400, fault('ValidationFault', '5010', 'Stale Object Error', 'Stale Object Error : You and Amy were working on this at the same time.')));
  assert.deepEqual([stale.code, stale.vendorCode], ['MLC_ERR_CONFLICT', '5010']);
  assert.ok(isQboFault(stale, '5010'));
  const dup = classifyQboFailure(failure(400, fault('ValidationFault', '6240', 'Duplicate Name Exists Error', 'The name supplied already exists. : Another customer, vendor or employee is already using this name.', 'DisplayName')));
  assert.deepEqual([dup.code, dup.vendorCode], ['MLC_ERR_VALIDATION', '6240']);
  assert.match(dup.message, /6240 Duplicate Name Exists Error: The name supplied already exists.*\(DisplayName\)/);
  const throttled = classifyQboFailure(failure(429, fault('SERVICE', '3001', 'message=ThrottleExceeded; errorCode=003001; statusCode=429', 'The request limit was reached.')));
  assert.deepEqual([throttled.code, throttled.vendorCode, throttled.retryAfterMs], ['MLC_ERR_RATE_LIMITED', '3001', undefined]);
  assert.equal(classifyQboFailure(failure(400, fault('ValidationFault', '610', 'Object Not Found', 'Another user has deleted this transaction.'))).code, 'MLC_ERR_NOT_FOUND');
  assert.equal(classifyQboFailure(failure(503, 'Service Unavailable')).code, 'MLC_ERR_SERVER');
});

test('the throttle Fault sent as XML despite Accept: application/json is still read', () => {
  const xml = '<?xml version="1.0"?><IntuitResponse time="2026-01-05"><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>';
  assert.deepEqual(parseFault(undefined, xml)?.errors[0]?.code, '3001');
  const e = classifyQboFailure(failure(429, xml));
  assert.equal(e.code, 'MLC_ERR_RATE_LIMITED');
  assert.match(e.message, /Try again later/);
});

test('invalid_grant at the token endpoint asks for the exact reconnect command', () => {
  const e = classifyQboFailure(failure(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }));
  assert.equal(e.code, 'MLC_ERR_RECONNECT_NEEDED');
  assert.match(e.message, /`ml-connector connect qbo`/);
  assert.equal(classifyQboFailure(failure(401, { error: 'invalid_client' })).code, 'MLC_ERR_CONFIG');
});

test('requestid: the same intent gives the same id; realm, operation and intent each change it', () => {
  const a = qboRequestId('9130', 'createVendor', 'vendor:acme');
  assert.equal(a, qboRequestId('9130', 'createVendor', 'vendor:acme'));
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.notEqual(a, qboRequestId('9131', 'createVendor', 'vendor:acme'));
  assert.notEqual(a, qboRequestId('9130', 'createBill', 'vendor:acme'));
  assert.notEqual(a, qboRequestId('9130', 'createVendor', 'vendor:acme2'));
});

test('DocNumber stays within 21 characters, distinct for long numbers sharing a prefix, the same whatever the case', () => {
  assert.equal(qboDocNumber(' INV-1001 '), 'INV-1001');
  assert.equal(qboDocNumber('x'.repeat(21)), 'x'.repeat(21));
  const a = qboDocNumber('SUPPLIER-INVOICE-2026-000123');
  const b = qboDocNumber('SUPPLIER-INVOICE-2026-000124');
  assert.equal(a.length, 21);
  assert.notEqual(a, b);
  assert.equal(a.startsWith('SUPPLIER-INVOICE'), true);
  assert.equal(qboDocNumber('supplier-invoice-2026-000123').toLowerCase(), a.toLowerCase());
});

test('purchase order shape: lines on accounts with decimal amounts, one Department per transaction, long numbers kept in PrivateNote', () => {
  const payload = {
    vendorId: '56', invoiceNumber: 'SUPPLIER-INVOICE-2026-000123', invoiceDate: '2026-01-05', dueDate: '2026-02-04', currency: 'USD', description: 'Office chairs',
    lines: [
      { amount: money('USD', 12_345n), description: 'Chairs', chartOfAccountId: '7', departmentId: '3' },
      { amount: money('USD', 5n), description: 'Delivery', chartOfAccountId: '8', departmentId: '3' },
    ],
  };
  const po = purchaseOrderInput(payload, { dimension: 'department', homeCurrency: 'USD' }, '3');
  assert.equal(po.DocNumber?.length, 21);
  assert.match(po.PrivateNote ?? '', /Invoice SUPPLIER-INVOICE-2026-000123/);
  assert.deepEqual(po.DepartmentRef, { value: '3' });
  assert.equal(po.CurrencyRef, undefined);
  const wire = encodeQbo(po) as { Line: { Amount: number }[] };
  assert.deepEqual(wire.Line.map((l) => l.Amount), [123.45, 0.05]);
  assert.deepEqual(transactionDepartment({ ...payload, lines: [payload.lines[0]!, { ...payload.lines[1]!, departmentId: '4' }] }), { conflict: ['3', '4'] });
  const byClass = purchaseOrderInput(payload, { dimension: 'class', homeCurrency: 'USD' }, null);
  assert.deepEqual(byClass.Line[0]?.AccountBasedExpenseLineDetail.ClassRef, { value: '3' });
  assert.equal(byClass.DepartmentRef, undefined);
});

test('vendor shape and match keys: name, then tax id, then email; no colon in DisplayName', () => {
  const v = vendorInput({ name: 'Acme: West', email: 'ap@acme.test', phone: '555-0100', taxId: '12-3456789', currency: 'USD', address: { line1: '1 Main St', line2: null, city: 'Springfield', region: 'IL', postalCode: '62701', country: 'US' } }, 'USD');
  assert.equal(v.DisplayName, 'Acme- West');
  assert.deepEqual(v.BillAddr, { Line1: '1 Main St', City: 'Springfield', CountrySubDivisionCode: 'IL', PostalCode: '62701', Country: 'US' });
  assert.equal(v.CurrencyRef, undefined);
  assert.deepEqual(qboVendorMatchKeys({ name: ' Acme Ltd ', taxId: '12-345 6789', email: 'AP@Acme.test' }), ['acme ltd', 'taxid:123456789', 'email:ap@acme.test']);
});

test('webhooks: intuit-signature over the raw body, legacy and CloudEvents formats, mixed realms', () => {
  const token = 'verifier-token-for-tests';
  const sign = (body: string) => createHmac('sha256', token).update(body).digest('base64');
  const legacy = JSON.stringify({ eventNotifications: [{ realmId: '9130', dataChangeEvent: { entities: [{ name: 'Vendor', id: '56', operation: 'Update', lastUpdated: '2026-01-05T10:00:00.000Z' }, { name: 'PurchaseOrder', id: '77', operation: 'Delete' }] } }] });
  const read = readQboWebhook({ rawBody: Buffer.from(legacy), signature: sign(legacy), verifierToken: token });
  assert.ok(read.ok);
  assert.deepEqual(read.value.map((e) => [e.realmId, e.entity, e.id, e.operation]), [['9130', 'Vendor', '56', 'Update'], ['9130', 'PurchaseOrder', '77', 'Delete']]);
  const cloud = JSON.stringify([
    { specversion: '1.0', id: 'e1', source: 'intuit.x', type: 'qbo.purchaseorder.deleted.v1', datacontenttype: 'application/json', time: '2026-01-05T10:00:00Z', intuitentityid: '77', intuitaccountid: '9130', data: {} },
    { specversion: '1.0', id: 'e2', source: 'intuit.x', type: 'qbo.vendor.created.v1', time: '2026-01-05T10:00:01Z', intuitentityid: '58', intuitaccountid: '4620', data: {} },
  ]);
  const readCloud = readQboWebhook({ rawBody: cloud, signature: sign(cloud), verifierToken: token });
  assert.ok(readCloud.ok);
  assert.deepEqual(readCloud.value.map((e) => [e.realmId, e.entity, e.id, e.operation, e.eventId]), [['9130', 'PurchaseOrder', '77', 'Delete', 'e1'], ['4620', 'Vendor', '58', 'Create', 'e2']]);
  const forged = readQboWebhook({ rawBody: cloud, signature: sign(cloud + ' '), verifierToken: token });
  assert.deepEqual(forged, { ok: false, error: { reason: 'bad_signature' } });
  assert.equal(readQboWebhook({ rawBody: legacy, signature: undefined, verifierToken: token }).ok, false);
  const badBody = '{"nope":1}';
  const bad = readQboWebhook({ rawBody: badBody, signature: sign(badBody), verifierToken: token });
  assert.ok(!bad.ok && bad.error.reason === 'bad_payload');
});

test('spec carries the published figures', () => {
  assert.equal(qboSpec.auth.accessTokenTtlSeconds, 3600);
  assert.equal(qboSpec.auth.accessTokenTtlSeconds - qboSpec.auth.refreshSkewSeconds, 55 * 60);
  assert.equal(qboSpec.limits.windows[0]?.published, 500);
  assert.equal(qboSpec.limits.concurrency.published, 10);
  assert.equal(qboSpec.batchCaps.batch, 30);
  assert.equal(qboSpec.auth.reconnectCommand, 'ml-connector connect qbo');
});

test('wire to model: accounts by type, a purchase order and a part-paid bill as canonical bills and states', async () => {
  const { accountToModel, purchaseState, purchaseToModel } = await import('../../src/systems/qbo/to-model.ts');
  const { billSchema, purchaseOrderSchema } = await import('../../src/systems/qbo/schema.ts');
  assert.deepEqual(accountToModel({ Id: '35', SyncToken: '0', Name: 'Checking', AccountType: 'Bank', Classification: 'Asset' }), { id: '35', code: null, name: 'Checking', kind: 'bank', active: true, acceptsPayments: true });
  assert.equal(accountToModel({ Id: '41', SyncToken: '0', Name: 'Visa', AccountType: 'Credit Card', Classification: 'Liability' }).acceptsPayments, true);
  assert.equal(accountToModel({ Id: '7', SyncToken: '0', Name: 'Supplies', AccountType: 'Expense', Classification: 'Expense', AcctNum: '6100' }).kind, 'expense');
  const lines = [{ Id: '1', Amount: 100.1, DetailType: 'AccountBasedExpenseLineDetail', AccountBasedExpenseLineDetail: { AccountRef: { value: '7' }, ClassRef: { value: '200', name: 'West' } } }];
  const po = purchaseOrderSchema.parse({ Id: '90', SyncToken: '2', DocNumber: 'INV-1', TxnDate: '2026-01-05', VendorRef: { value: '56' }, TotalAmt: 100.1, POStatus: 'Closed', Line: lines });
  const asBill = purchaseToModel(po, 'USD');
  assert.deepEqual([asBill.status, asBill.total.minor, asBill.amountDue.minor, asBill.lines[0]?.account?.id, asBill.lines[0]?.dimensions], ['voided', 10_010n, 0n, '7', [{ category: 'Class', option: 'West' }]]);
  const bill = billSchema.parse({ Id: '91', SyncToken: '0', VendorRef: { value: '56' }, TotalAmt: '100.10', Balance: 40, DepartmentRef: { value: '3' }, Line: lines });
  const state = purchaseState(bill, 'USD');
  assert.deepEqual([state.amount.minor, state.paidAmount.minor, state.archived, state.lines[0]?.departmentId], [10_010n, 6_010n, false, '200']);
  assert.equal(purchaseToModel(bill, 'USD').status, 'approved');
});
