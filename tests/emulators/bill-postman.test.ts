/**
 * Conformance with BILL's official v3 Postman collection ([BPM]): for every endpoint the emulator
 * serves, the emulator answers the collection's own request (variables filled in, a few optional
 * fields added so more of the response is exercised) and its JSON must use the same field names with
 * the same JSON types as the collection's 200/201 example, recursively. Every difference must be in
 * the allow-list below with a reason, and every allow-list entry must still be needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { startBillEmulator } from '../../src/emulators/bill/index.ts';
import { Client, startReceiver, toRes, type Res } from './bill-helpers.ts';

const collectionFile = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/specs/bill/bill-v3-api.postman_collection.json');

const vendorNotModelled = 'the emulator does not model virtual cards, RPPS, international payment purposes, pay-by sub-types or auto-pay settings';
const omittedWhenUnset = 'omitted when the record has no value (BILL\'s handling of unset fields is unverified, A13)';
const brokenSchema = 'the export\'s subscription schema is broken ("reference ... not found", shared/specs/bill/SOURCE.md); the emulator follows the documented {enabled} / {type, version} shapes (A12)';

/** `${kind}:${path}` → why the difference is acceptable. */
const allowed: Record<string, string> = {
  'missing:vendor.paymentInformation.lastPaymentDate': 'set only once the vendor has been paid',
  'missing:vendor.paymentInformation.payBySubType': vendorNotModelled,
  'missing:vendor.paymentInformation.virtualCard': vendorNotModelled,
  'missing:vendor.paymentInformation.paymentPurpose': vendorNotModelled,
  'missing:vendor.rppsId': vendorNotModelled,
  'missing:vendor.autoPay.bankAccountId': vendorNotModelled,
  'missing:vendor.autoPay.createdBy': vendorNotModelled,
  'missing:vendor.autoPay.maxAmount': vendorNotModelled,
  'missing:vendor.autoPay.daysBeforeDueDate': vendorNotModelled,
  'missing:vendor.shortName': omittedWhenUnset,
  'missing:vendor.accountNumber': omittedWhenUnset,
  'missing:vendor.address.line2': omittedWhenUnset,
  'missing:vendor.paymentInformation.email': omittedWhenUnset,
  'missing:vendor.additionalInfo': omittedWhenUnset,
  'missing:bill.billLineItems[].classifications.accountingClassId': 'accounting classes, employees, jobs, locations, items and customers are not modelled; such ids are echoed only when sent',
  'missing:bill.billLineItems[].classifications.employeeId': 'not modelled (see accountingClassId)',
  'missing:bill.billLineItems[].classifications.jobId': 'not modelled (see accountingClassId)',
  'missing:bill.billLineItems[].classifications.locationId': 'not modelled (see accountingClassId)',
  'missing:bill.billLineItems[].classifications.itemId': 'not modelled (see accountingClassId)',
  'missing:bill.billLineItems[].classifications.customerId': 'not modelled (see accountingClassId)',
  'missing:bill.classifications.accountingClassId': 'not modelled (see billLineItems classifications)',
  'missing:bill.classifications.locationId': 'not modelled (see billLineItems classifications)',
  'missing:bill.classifications.itemId': 'not modelled (see billLineItems classifications)',
  'missing:bill.billLineItems[].quantity': omittedWhenUnset,
  'missing:bill.billLineItems[].price': omittedWhenUnset,
  'missing:bill.billLineItems[].classifications.departmentId': omittedWhenUnset,
  'missing:bill.classifications.chartOfAccountId': omittedWhenUnset,
  'missing:bill.classifications.departmentId': omittedWhenUnset,
  'missing:bill.description': omittedWhenUnset,
  'missing:bill.payFromChartOfAccountId': omittedWhenUnset,
  'missing:bill.purchaseOrderNumber': omittedWhenUnset,
  'empty:bill.approvers[]': 'bill approvals are not modelled: the list is always empty',
  'extra:bill.vendorName': 'added to bill responses in 2025-04 ([BC:2025-04-02-bills-api-response-improvements]); the collection\'s create/update examples predate it',
  'empty:payment.billPayments[].vendorCredits[]': 'vendor credits are not modelled',
  'empty:payment.voidInfo[]': 'filled only once a payment is voided',
  'missing:payment.description': omittedWhenUnset,
  'missing:payment.remittanceEmail': omittedWhenUnset,
  'missing:payment.processingOptions.requestCheckDeliveryType': 'check payments are not modelled (every online payment is ACH)',
  'missing:payment.disbursementInfo.checkDisbursement': 'only ACH disbursements are modelled',
  'missing:payment.disbursementInfo.rppsDisbursement': 'only ACH disbursements are modelled',
  'missing:payment.disbursementInfo.internationalDisbursement': 'only ACH disbursements are modelled',
  'missing:payment.disbursementInfo.vcardDisbursement': 'only ACH disbursements are modelled',
  'missing:payment.disbursementInfo.walletDisbursement': 'only ACH disbursements are modelled',
  'missing:payment.paymentPurpose': 'international payments are not modelled',
  'missing:payment.cardFundingPurpose': 'card funding is not modelled',
  'empty:recordedPayment.billPayments[].vendorCredits[]': 'vendor credits are not modelled',
  'missing:recordedPayment.toPrintCheck': 'the request flag is not echoed back',
  'missing:recordedPayment.classifications': 'payment GL coding is not modelled',
  'missing:recordedPayment.syncReference': 'accounting-system sync is not modelled',
  'missing:recordedPayment.allowExport': 'accounting-system sync is not modelled',
  'missing:recordedPayment.remittanceEmail': omittedWhenUnset,
  'missing:recordedPayment.description': omittedWhenUnset,
  'extra:recordedPayment.vendorName': 'record-payment answers with the same payment object as GET /v3/payments/{id}, which has these fields',
  'extra:recordedPayment.fundingAccount': 'same payment object as GET /v3/payments/{id}',
  'extra:recordedPayment.processingOptions': 'same payment object as GET /v3/payments/{id}',
  'extra:recordedPayment.voidInfo': 'same payment object as GET /v3/payments/{id}',
  'extra:recordedPayment.disbursementInfo': 'same payment object as GET /v3/payments/{id}',
  'extra:recordedPayment.cancelRequestSubmitted': 'same payment object as GET /v3/payments/{id}',
  'missing:account.description': omittedWhenUnset,
  'missing:account.parentId': omittedWhenUnset,
  'missing:department.description': omittedWhenUnset,
  'missing:department.parentId': omittedWhenUnset,
  'missing:subscription.status.value': brokenSchema,
  'missing:subscription.status.description': brokenSchema,
  'extra:subscription.status.enabled': brokenSchema,
  'missing:subscription.events[].value': brokenSchema,
  'extra:subscription.events[].type': brokenSchema,
  'extra:subscription.events[].version': brokenSchema,
};

/** Endpoints whose example is `{}` in the export: nothing to compare field by field. */
const emptyExamples: Record<string, string> = {
  'GET events/v3/subscriptions': 'the export has no response schema; the emulator answers {nextPage?, results:[subscription]}',
  'GET events/v3/events/subscription/:subscriptionId': 'the export has no response schema; the emulator answers {nextPage?, results:[event]} with the resend shape',
};

type Json = unknown;
interface Example {
  request?: string;
  response: Json;
}

function loadExamples(): Map<string, Example> {
  const collection = JSON.parse(readFileSync(collectionFile, 'utf8')) as { item: unknown[] };
  const out = new Map<string, Example>();
  const walk = (items: unknown[]) => {
    for (const raw of items) {
      const it = raw as { item?: unknown[]; request?: { method: string; url: string | { raw: string }; body?: { raw?: string } }; response?: { code: number; body?: string }[] };
      if (it.item) {
        walk(it.item);
        continue;
      }
      if (!it.request) continue;
      const url = typeof it.request.url === 'string' ? it.request.url : it.request.url.raw;
      const m = /^\{\{(baseUrl|webhookBaseUrl)\}\}(\/[^?]*)/.exec(url);
      if (!m) continue;
      const key = `${it.request.method} ${m[1] === 'baseUrl' ? 'connect' : 'events'}${m[2]}`;
      const ok = (it.response ?? []).find((r) => r.code === 200 || r.code === 201);
      if (!ok || out.has(key)) continue;
      const text = ok.body ?? '';
      out.set(key, { request: it.request.body?.raw, response: text.trim() === '' ? '' : JSON.parse(text) });
    }
  };
  walk(collection.item);
  return out;
}

const kindOf = (v: Json) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

function compare(example: Json, actual: Json, path: string, found: Set<string>): void {
  if (kindOf(example) !== kindOf(actual)) {
    found.add(`type:${path}:${kindOf(example)}->${kindOf(actual)}`);
    return;
  }
  if (Array.isArray(example) && Array.isArray(actual)) {
    if (example.length > 0 && actual.length === 0) found.add(`empty:${path}[]`);
    if (example.length > 0) for (const a of actual) compare(example[0], a, `${path}[]`, found);
    return;
  }
  if (kindOf(example) === 'object') {
    const e = example as Record<string, Json>;
    const a = actual as Record<string, Json>;
    for (const k of Object.keys(e)) {
      if (!(k in a)) found.add(`missing:${path}.${k}`);
      else compare(e[k], a[k], `${path}.${k}`, found);
    }
    for (const k of Object.keys(a)) if (!(k in e)) found.add(`extra:${path}.${k}`);
  }
}

test('emulator responses match the BILL v3 Postman collection field by field', {
  // Under CI the collection must be present: the check runs (and fails) rather than skip.
  skip: existsSync(collectionFile) || process.env.CI === 'true' ? false : 'BILL Postman collection not found at ../shared/specs/bill/bill-v3-api.postman_collection.json (relative to the repo root): conformance not checked',
}, async () => {
  const examples = loadExamples();
  const bill = await startBillEmulator({ seed: 101, initialSeed: { vendors: 3, bills: 5 } });
  const rx = await startReceiver();
  const found = new Set<string>();
  const checked: string[] = [];
  const vars: Record<string, string> = {
    username: bill.sandbox.username,
    password: bill.sandbox.password,
    organization_id: bill.sandbox.organizationId,
    developer_key: bill.sandbox.devKey,
    webhook_notification_url: rx.url,
  };
  const example = (key: string): Example => {
    const e = examples.get(key);
    assert.ok(e, `the collection has a 200/201 example for ${key}`);
    return e;
  };
  /** The collection's request body with variables filled in (tolerating its trailing commas), plus extra fields. */
  const body = (key: string, extra: (b: any) => any = (b) => b): any => {
    const raw = (example(key).request ?? '').replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
      assert.ok(name in vars, `variable ${name} for ${key}`);
      return vars[name]!;
    });
    return extra(JSON.parse(raw.replace(/,(\s*[}\]])/g, '$1')));
  };
  const check = (key: string, res: Res, root: string, opts: { list?: boolean; wrap?: string } = {}) => {
    assert.ok(res.status === 200 || res.status === 201, `${key} answered ${res.status}: ${JSON.stringify(res.body)}`);
    checked.push(key);
    const exp = example(key).response;
    // Arrays of records (lists, bulk answers) are compared item by item under the record's own root.
    const items = (e: Json, a: Json) => {
      assert.ok(Array.isArray(e) && e.length > 0 && Array.isArray(a) && a.length > 0, `${key} returns records`);
      for (const item of a as Json[]) compare((e as Json[])[0], item, root, found);
    };
    if (opts.list) {
      const e = exp as { results: Json[] };
      compare({ ...e, results: [] }, { ...res.body, results: [] }, `${root}List`, found);
      items(e.results, res.body.results);
    } else if (opts.wrap) {
      compare({ ...(exp as object), [opts.wrap]: [] }, { ...res.body, [opts.wrap]: [] }, `${root}Bulk`, found);
      items((exp as Record<string, Json>)[opts.wrap], res.body[opts.wrap]);
    } else if (Array.isArray(exp) && root !== 'catalog') items(exp, res.body);
    else compare(exp, res.body, root, found);
  };
  /** A page in the middle of a list, so both nextPage and prevPage are present. */
  const middlePage = async (c: Client, path: string) => {
    const first = await c.get(`${path}?max=1`);
    return c.get(`${path}?max=1&page=${encodeURIComponent(first.body.nextPage)}`);
  };

  try {
    const login = await fetch(`${bill.urls.api}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body('POST connect/v3/login')) });
    const loginRes: Res = await toRes(login);
    check('POST connect/v3/login', loginRes, 'login');
    const c = new Client(bill, { devKey: bill.sandbox.devKey, sessionId: loginRes.body.sessionId, organizationId: loginRes.body.organizationId });
    check('GET connect/v3/login/session', await c.get('/login/session'), 'session');

    // Chart of accounts and departments first: bills refer to them.
    const coa = '/classifications/chart-of-accounts';
    const parentAccount = (await c.get(`${coa}?max=1`)).body.results[0].id;
    const account = await c.post(coa, body(`POST connect/v3${coa}`, (b) => ({ ...b, parentId: parentAccount })));
    check(`POST connect/v3${coa}`, account, 'account');
    vars.chart_of_accounts_id = account.body.id;
    check(`POST connect/v3${coa}/bulk`, await c.post(`${coa}/bulk`, body(`POST connect/v3${coa}/bulk`, (b) => b.map((a: any) => ({ ...a, name: `${a.name} (bulk)` })))), 'account', { wrap: 'chartOfAccounts' });
    check(`GET connect/v3${coa}/:id`, await c.get(`${coa}/${account.body.id}`), 'account');
    check(`PATCH connect/v3${coa}/:id`, await c.patch(`${coa}/${account.body.id}`, body(`PATCH connect/v3${coa}/:id`)), 'account');
    check(`POST connect/v3${coa}/:id/archive`, await c.post(`${coa}/${account.body.id}/archive`), 'account');
    check(`POST connect/v3${coa}/:id/restore`, await c.post(`${coa}/${account.body.id}/restore`), 'account');
    check(`GET connect/v3${coa}`, await middlePage(c, coa), 'account', { list: true });

    const dept = '/classifications/departments';
    const parentDept = (await c.get(`${dept}?max=1`)).body.results[0].id;
    const department = await c.post(dept, body(`POST connect/v3${dept}`, (b) => ({ ...b, shortName: 'SALES2', parentId: parentDept })));
    check(`POST connect/v3${dept}`, department, 'department');
    vars.department_id = department.body.id;
    check(`POST connect/v3${dept}/bulk`, await c.post(`${dept}/bulk`, body(`POST connect/v3${dept}/bulk`, (b) => b.map((d: any) => ({ ...d, name: 'Bulk Department', parentId: parentDept })))), 'department', { wrap: 'departments' });
    check(`GET connect/v3${dept}/:id`, await c.get(`${dept}/${department.body.id}`), 'department');
    check(`PATCH connect/v3${dept}/:id`, await c.patch(`${dept}/${department.body.id}`, body(`PATCH connect/v3${dept}/:id`)), 'department');
    check(`POST connect/v3${dept}/:id/archive`, await c.post(`${dept}/${department.body.id}/archive`), 'department');
    check(`POST connect/v3${dept}/:id/restore`, await c.post(`${dept}/${department.body.id}/restore`), 'department');
    check(`GET connect/v3${dept}`, await middlePage(c, dept), 'department', { list: true });

    const richVendor = (v: any) => ({
      ...v,
      shortName: 'HMS',
      accountNumber: 'ACCT-1',
      address: { ...v.address, line2: 'Suite 5' },
      paymentInformation: { ...v.paymentInformation, email: 'pay@happymusicsupplies.org', bankAccount: { ...v.paymentInformation.bankAccount, type: 'CHECKING', ownerType: 'BUSINESS', paymentCurrency: 'USD' } },
      additionalInfo: { taxId: '12-3456789', taxIdType: 'EIN', track1099: false, leadTimeInDays: 2, combinePayments: true, paymentTermId: 'net30', companyName: 'Happy Music Supplies LLC' },
    });
    const vendor = await c.post('/vendors', body('POST connect/v3/vendors', richVendor));
    check('POST connect/v3/vendors', vendor, 'vendor');
    vars.vendor_id = vendor.body.id;
    check('POST connect/v3/vendors/bulk', await c.post('/vendors/bulk', body('POST connect/v3/vendors/bulk', (b) => b.map(richVendor))), 'vendor', { wrap: 'vendors' });
    check('GET connect/v3/vendors/:vendorId', await c.get(`/vendors/${vendor.body.id}`), 'vendor');
    check('PATCH connect/v3/vendors/:vendorId', await c.patch(`/vendors/${vendor.body.id}`, body('PATCH connect/v3/vendors/:vendorId')), 'vendor');
    check('POST connect/v3/vendors/:vendorId/archive', await c.post(`/vendors/${vendor.body.id}/archive`), 'vendor');
    check('POST connect/v3/vendors/:vendorId/restore', await c.post(`/vendors/${vendor.body.id}/restore`), 'vendor');
    check('GET connect/v3/vendors', await middlePage(c, '/vendors'), 'vendor', { list: true });

    const payFrom = (await c.get(`${coa}?filters=${encodeURIComponent('name:eq:"Business Checking"')}`)).body.results[0].id;
    const gl = { chartOfAccountId: vars.chart_of_accounts_id, departmentId: vars.department_id };
    const richBill = (b: any) => ({
      ...b,
      description: 'Studio equipment',
      purchaseOrderNumber: 'PO-7',
      payFromChartOfAccountId: payFrom,
      classifications: gl,
      billLineItems: b.billLineItems.map((l: any) => ({ ...l, quantity: 1, price: l.amount, classifications: gl })),
    });
    const created = await c.post('/bills', body('POST connect/v3/bills', richBill));
    check('POST connect/v3/bills', created, 'bill');
    vars.bill_id = created.body.id;
    vars.bill_line_item_id01 = created.body.billLineItems[0].id;
    vars.bill_line_item_id02 = created.body.billLineItems[1].id;
    check('POST connect/v3/bills/bulk', await c.post('/bills/bulk', body('POST connect/v3/bills/bulk', (b) => b.map(richBill))), 'bill');
    check('GET connect/v3/bills/:billId', await c.get(`/bills/${created.body.id}`), 'bill');
    check('PUT connect/v3/bills/:billId', await c.put(`/bills/${created.body.id}`, body('PUT connect/v3/bills/:billId', richBill)), 'bill');
    check('PATCH connect/v3/bills/:billId', await c.patch(`/bills/${created.body.id}`, body('PATCH connect/v3/bills/:billId')), 'bill');
    check('POST connect/v3/bills/:billId/archive', await c.post(`/bills/${created.body.id}/archive`), 'bill');
    check('POST connect/v3/bills/:billId/restore', await c.post(`/bills/${created.body.id}/restore`), 'bill');
    check('GET connect/v3/bills', await middlePage(c, '/bills'), 'bill', { list: true });
    check('POST connect/v3/bills/record-payment', await c.post('/bills/record-payment', body('POST connect/v3/bills/record-payment')), 'recordedPayment');

    const paid = bill.pay({ billId: (await c.get('/bills?max=1&filters=paymentStatus:eq:UNPAID')).body.results[0].id });
    check('GET connect/v3/payments/:paymentId', await c.get(`/payments/${paid.id}`), 'payment');
    check('GET connect/v3/payments', await middlePage(c, '/payments'), 'payment', { list: true });

    const ev = { events: true };
    check('GET events/v3/events/catalog', await c.get('/events/catalog', ev), 'catalog');
    const sub = await c.subscribe(body('POST events/v3/subscriptions'), randomUUID());
    check('POST events/v3/subscriptions', sub, 'subscription');
    vars.webhook_subscription_id = sub.body.id;
    check('GET events/v3/subscriptions/:subscriptionId', await c.get(`/subscriptions/${sub.body.id}`, ev), 'subscription');
    check('PUT events/v3/subscriptions/:subscriptionId', await c.put(`/subscriptions/${sub.body.id}`, body('PUT events/v3/subscriptions/:subscriptionId'), ev), 'subscription');
    check('PATCH events/v3/subscriptions/:subscriptionId', await c.patch(`/subscriptions/${sub.body.id}`, body('PATCH events/v3/subscriptions/:subscriptionId'), ev), 'subscription');
    check('POST events/v3/subscriptions/:subscriptionId/security_key', await c.post(`/subscriptions/${sub.body.id}/security_key`, undefined, { events: true, headers: { 'X-Idempotent-Key': randomUUID() } }), 'securityKey');
    const sent = await c.post(`/subscriptions/${sub.body.id}/test`, body('POST events/v3/subscriptions/:subscriptionId/test'), ev);
    check('POST events/v3/subscriptions/:subscriptionId/test', sent, 'event');
    check('POST events/v3/events/subscription/:subscriptionId/event/:eventId', await c.post(`/events/subscription/${sub.body.id}/event/${sent.body.id}`, undefined, ev), 'event');
    for (const [key, path] of [['GET events/v3/subscriptions', '/subscriptions'], ['GET events/v3/events/subscription/:subscriptionId', `/events/subscription/${sub.body.id}`]] as const) {
      assert.deepEqual(example(key).response, {}, `${key}: ${emptyExamples[key]}`);
      const res = await c.get(path, ev);
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.body.results) && res.body.results.length > 0, key);
      checked.push(key);
    }
    check('DELETE events/v3/subscriptions/:subscriptionId', await c.del(`/subscriptions/${sub.body.id}`, ev), 'deleted');
    check('POST connect/v3/logout', await c.post('/logout'), 'logout');

    const unexplained = [...found].filter((f) => !(f in allowed)).sort();
    assert.deepEqual(unexplained, [], 'differences from the collection that the allow-list does not explain');
    const stale = Object.keys(allowed).filter((k) => !found.has(k)).sort();
    assert.deepEqual(stale, [], 'allow-list entries no longer needed');
    assert.ok(checked.length >= 45, `checked ${checked.length} endpoints`);
  } finally {
    await bill.stop();
    await rx.close();
  }
});
