/**
 * Spec conformance: a representative answer of every Accounting route the emulator serves is
 * validated against the response schema the official Xero OpenAPI file gives for that operation
 * and status; /Connections against the Identity spec and a webhook payload against the Webhooks
 * spec. The spec files live next to the repository (../shared/specs/xero); without them the
 * tests are skipped with a message.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { parse } from 'yaml';
import type { XeroEmulator } from '../../src/emulators/xero/index.ts';
import { createXeroClient } from '../../src/systems/xero/client.ts';
import { MemoryCredentialStore } from '../../src/systems/memory-credential-store.ts';
import { startLocalServer, type SeenRequest } from '../http/local-server.ts';
import { XeroClient, aSupplier, billInput, control, openXero, startReceiver, toRes, type Res } from './xero-helpers.ts';

const SPEC_DIR = '../shared/specs/xero';
const ACCOUNTING = `${SPEC_DIR}/xero_accounting.yaml`;
const IDENTITY = `${SPEC_DIR}/xero-identity.yaml`;
const WEBHOOKS = `${SPEC_DIR}/xero-webhooks.yaml`;
const missing = [ACCOUNTING, IDENTITY, WEBHOOKS].filter((f) => !existsSync(f));
// Under CI the specs must be present: the checks run (and fail) rather than skip.
const skip = missing.length > 0 && process.env.CI !== 'true' ? `Xero spec files not found (${missing.join(', ')}); run from the repository root with ../shared/specs present` : false;

// ajv-formats' CJS default export, typed loosely under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Doc = { paths: Record<string, Record<string, { responses: Record<string, Ref>; operationId?: string; parameters?: Param[] }>>; components: Record<string, Record<string, unknown>> };
type Param = { $ref?: string; in: string; name: string; schema: { type?: string }; explode?: boolean };
type Ref = { $ref?: string; content?: Record<string, { schema?: { $ref?: string } }> };

function makeAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Xero's own examples write date-times without a zone ("2019-12-07T18:46:19.5165400" in XI,
  // "2024-06-21T01:15:39.902" in XW) and the emulator copies that; ISO 8601 allows it.
  ajv.addFormat('date-time', fullFormats['iso-date-time']);
  return ajv;
}

let em: XeroEmulator;
let c: XeroClient;
let accounting: Doc;
let ajv: Ajv;
const validated = new Set<string>();

function responseSchemaRef(doc: Doc, path: string, method: string, status: number): string {
  const op = doc.paths[path]?.[method.toLowerCase()];
  assert.ok(op, `the spec has no ${method} ${path}`);
  let resp = op.responses[String(status)];
  assert.ok(resp, `the spec documents no ${status} for ${method} ${path}`);
  if (resp.$ref) resp = doc.components.responses![resp.$ref.split('/').pop()!] as Ref;
  const ref = resp.content?.['application/json']?.schema?.$ref;
  assert.ok(ref, `no JSON schema for ${status} of ${method} ${path}`);
  return ref;
}

/** Validates one answer of `route` ("GET /Invoices/{InvoiceID}") against its spec schema. */
function check(route: string, res: Res): void {
  const [method, path] = route.split(' ') as [string, string];
  const ref = responseSchemaRef(accounting, path, method, res.status);
  const validate = ajv.getSchema(`xero-accounting${ref}`) as ValidateFunction;
  assert.ok(validate, `cannot compile ${ref}`);
  const ok = validate(res.body);
  assert.ok(ok, `${route} (${res.status}) violates ${ref}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
  validated.add(route);
}

before(async () => {
  if (skip) return;
  accounting = parse(readFileSync(ACCOUNTING, 'utf8')) as Doc;
  ajv = makeAjv();
  ajv.addSchema(accounting as object, 'xero-accounting');
  ({ em, c } = await openXero({ seed: 51 }));
});
after(async () => {
  if (em) await em.stop();
});

test('every Accounting route answers in the shape the official spec gives', { skip }, async () => {
  const t = em.state.primary;
  const supplier = aSupplier(em);
  const account = [...t.accounts.values()][0]!;
  const category = [...t.trackingCategories.values()][0]!;
  const po = [...t.purchaseOrders.values()][0]!;
  const invoice = [...t.invoices.values()].find((i) => i.AmountPaid > 0n)!;
  const payment = [...t.payments.values()][0]!;

  check('GET /Organisation', await c.get('/Organisation'));
  check('GET /Accounts', await c.get('/Accounts'));
  check('GET /Accounts/{AccountID}', await c.get(`/Accounts/${account.AccountID}`));
  check('PUT /Accounts', await c.put('/Accounts', { Code: '777', Name: 'Spec Check Expense', Type: 'EXPENSE' }));
  const badAccount = await c.put('/Accounts', { Code: '777', Name: 'Spec Check Expense', Type: 'EXPENSE' });
  assert.equal(badAccount.status, 400);
  check('PUT /Accounts', badAccount);

  check('GET /TrackingCategories', await c.get('/TrackingCategories?includeArchived=true'));
  check('GET /TrackingCategories/{TrackingCategoryID}', await c.get(`/TrackingCategories/${category.TrackingCategoryID}`));
  check('PUT /TrackingCategories/{TrackingCategoryID}/Options', await c.put(`/TrackingCategories/${category.TrackingCategoryID}/Options`, { Name: 'Spec Option' }));
  const tooMany = await c.put('/TrackingCategories', { Name: 'Third Active' });
  assert.equal(tooMany.status, 400);
  check('PUT /TrackingCategories', tooMany);
  // Archive one category in the store so a valid create can be checked too.
  t.trackingCategories.set(category.TrackingCategoryID, { ...category, Status: 'ARCHIVED' });
  const createdCategory = await c.put('/TrackingCategories', { Name: 'Spec Category' });
  assert.equal(createdCategory.status, 200, JSON.stringify(createdCategory.body));
  check('PUT /TrackingCategories', createdCategory);

  check('GET /Contacts', await c.get('/Contacts?page=1'));
  check('GET /Contacts', await c.get('/Contacts'));
  check('GET /Contacts/{ContactID}', await c.get(`/Contacts/${supplier}`));
  const newContact = await c.put('/Contacts', { Contacts: [{ Name: 'Spec Supplier', EmailAddress: 'ap@spec.example', Addresses: [{ AddressType: 'STREET', City: 'Austin' }] }] });
  check('PUT /Contacts', newContact);
  check('PUT /Contacts', await c.put('/Contacts', { Contacts: [{ Name: 'Spec Supplier' }] }));
  check('PUT /Contacts', await c.put('/Contacts?summarizeErrors=false', { Contacts: [{ Name: 'Spec Supplier' }, { Name: 'Spec Supplier 2' }] }));
  check('POST /Contacts', await c.post('/Contacts', { Contacts: [{ ContactID: newContact.body.Contacts[0].ContactID, Phones: [{ PhoneType: 'MOBILE', PhoneNumber: '555-0100' }] }] }));
  check('POST /Contacts/{ContactID}', await c.post(`/Contacts/${newContact.body.Contacts[0].ContactID}`, { Contacts: [{ AccountNumber: 'SPEC-1' }] }));

  check('GET /Invoices', await c.get('/Invoices?page=1'));
  check('GET /Invoices', await c.get('/Invoices'));
  check('GET /Invoices/{InvoiceID}', await c.get(`/Invoices/${invoice.InvoiceID}`));
  const created = await c.put('/Invoices', { Invoices: [billInput(supplier, { Status: 'AUTHORISED', LineItems: [{ Description: 'x', Quantity: 2, UnitAmount: 10, AccountCode: '453', Tracking: [{ Name: 'Department', Option: 'Sales' }] }] })] });
  check('PUT /Invoices', created);
  const invalid = await c.put('/Invoices', { Invoices: [billInput(supplier, { LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 1, AccountCode: '476' }] })] });
  assert.equal(invalid.status, 400);
  check('PUT /Invoices', invalid);
  check('PUT /Invoices', await c.put('/Invoices?summarizeErrors=false', { Invoices: [billInput(supplier), billInput(supplier, { Status: 'PAID' })] }));
  const createdId = created.body.Invoices[0].InvoiceID;
  check('POST /Invoices', await c.post('/Invoices', { Invoices: [{ InvoiceID: createdId, Reference: 'spec' }] }));
  check('POST /Invoices/{InvoiceID}', await c.post(`/Invoices/${createdId}`, { Invoices: [{ DueDate: '2027-01-15' }] }));

  check('GET /Payments', await c.get('/Payments?page=1'));
  check('GET /Payments/{PaymentID}', await c.get(`/Payments/${payment.PaymentID}`));
  const paid = await c.put('/Payments', { Payments: [{ Invoice: { InvoiceID: createdId }, Account: { Code: '090' }, Date: '2026-11-04', Amount: 5 }] });
  check('PUT /Payments', paid);
  check('PUT /Payments', await c.put('/Payments?summarizeErrors=false', { Payments: [{ Invoice: { InvoiceID: createdId }, Account: { Code: '090' }, Date: '2026-11-04', Amount: 5000 }] }));
  check('POST /Payments', await c.post('/Payments', { Invoice: { InvoiceID: createdId }, Account: { Code: '090' }, Date: '2026-11-05', Amount: 1 }));
  check('POST /Payments/{PaymentID}', await c.post(`/Payments/${paid.body.Payments[0].PaymentID}`, { Payments: [{ Status: 'DELETED' }] }));

  check('GET /PurchaseOrders', await c.get('/PurchaseOrders?page=1'));
  check('GET /PurchaseOrders/{PurchaseOrderID}', await c.get(`/PurchaseOrders/${po.PurchaseOrderID}`));
  check('PUT /PurchaseOrders', await c.put('/PurchaseOrders', { PurchaseOrders: [{ Contact: { ContactID: supplier }, LineItems: [{ Description: 'Desk', Quantity: 1, UnitAmount: 300 }] }] }));

  // Negative control: the compiled schema does reject a wrong answer.
  const invoices = ajv.getSchema('xero-accounting#/components/schemas/Invoices') as ValidateFunction;
  assert.equal(invoices({ Invoices: [{ Type: 'NOT-A-TYPE', InvoiceID: 'not-a-uuid', Total: '12.00' }] }), false);
  assert.equal(invoices.errors?.length, 3);

  const unchecked = em.apiRoutes.filter((r) => !validated.has(r));
  assert.deepEqual(unchecked, [], 'every served route was validated');
});

test('/Connections answers per the Identity spec', { skip }, async () => {
  const identity = parse(readFileSync(IDENTITY, 'utf8')) as Doc;
  const schema = (identity.paths['/Connections']!.get!.responses['200']!.content!['application/json']!.schema) as object;
  const v = makeAjv();
  v.addSchema(identity as object, 'xero-identity');
  const validate = v.compile({ ...schema, items: { $ref: 'xero-identity#/components/schemas/Connection' } });
  const res = await toRes(await fetch(em.urls.connections, { headers: { authorization: `Bearer ${c.accessToken}` } }));
  assert.equal(res.status, 200);
  assert.equal((res.body as unknown[]).length, 2);
  assert.ok(validate(res.body), v.errorsText(validate.errors));
  assert.equal(validate([{ id: 'not-a-uuid', createdDateUtc: 'yesterday' }]), false, 'the validator enforces the schema');
});

test('a webhook payload matches the Webhooks spec', { skip }, async () => {
  const webhooks = parse(readFileSync(WEBHOOKS, 'utf8')) as Doc;
  const v = makeAjv();
  v.addSchema(webhooks as object, 'xero-webhooks');
  const validate = v.getSchema('xero-webhooks#/components/schemas/WebhookEvent') as ValidateFunction;
  const hook = await startReceiver();
  try {
    await control(em, 'POST', '/webhooks', { url: hook.url, key: 'spec-key-123456' });
    await c.put('/Contacts', { Contacts: [{ Name: 'Webhook Spec Co' }] });
    await em.flushWebhooks();
    assert.equal(hook.received.length, 1);
    assert.ok(validate(hook.received[0]!.json), v.errorsText(validate.errors));
    assert.equal(validate({ events: [{ eventCategory: 'PAYMENT' }], firstEventSequence: 0 }), false, 'the validator enforces the schema');
  } finally {
    await hook.close();
  }
});

/**
 * The spec operation a request is for and the header and query parameters it declares. Paths are
 * matched template by template ("/Invoices/{InvoiceID}"), literal paths first.
 */
function operationFor(doc: Doc, method: string, pathname: string): { route: string; params: Param[] } {
  const paths = Object.keys(doc.paths).sort((a, b) => Number(a.includes('{')) - Number(b.includes('{')));
  const path = paths.find((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathname));
  const op = path === undefined ? undefined : doc.paths[path]?.[method.toLowerCase()];
  assert.ok(path && op, `the spec has no ${method} ${pathname}`);
  const params = (op.parameters ?? []).map((p) => (p.$ref ? (doc.components.parameters![p.$ref.split('/').pop()!] as Param) : p));
  return { route: `${method} ${path}`, params };
}

/**
 * Checks every header and query parameter of a request the connector sent against the schema the
 * spec declares for it, with the formats as RFC 3339 and JSON Schema define them (a date-time has
 * its zone): a value of another form, or a query parameter the operation does not declare, fails.
 */
function checkRequest(doc: Doc, strict: Ajv, req: SeenRequest): string[] {
  const url = new URL(req.url, 'http://connector.invalid');
  const { route, params } = operationFor(doc, req.method, url.pathname.replace(/^\/api\.xro\/2\.0/, ''));
  const problems: string[] = [];
  for (const p of params.filter((x) => x.in === 'header' || x.in === 'query')) {
    const raw = p.in === 'header' ? req.headers[p.name.toLowerCase()] : url.searchParams.get(p.name) ?? undefined;
    if (raw === undefined) continue;
    const text = Array.isArray(raw) ? raw.join(', ') : raw;
    // Arrays go as one comma-separated value (style form, explode false in the spec).
    const value = p.schema.type === 'array' ? text.split(',') : text;
    const validate = strict.compile(p.schema);
    if (!validate(value)) problems.push(`${route} ${p.in} ${p.name}=${JSON.stringify(text)}: ${strict.errorsText(validate.errors)}`);
  }
  const declared = new Set(params.filter((x) => x.in === 'query').map((x) => x.name));
  for (const name of url.searchParams.keys()) if (!declared.has(name)) problems.push(`${route} sends query ${name}, which the spec does not declare`);
  return problems;
}

test('the requests the connector sends carry header and query values in the form the spec declares', { skip }, async () => {
  // Query values arrive as text; coercion reads "2" as the integer the spec declares.
  const strict = new Ajv({ strict: false, allErrors: true, coerceTypes: true });
  addFormats(strict);
  assert.equal(strict.compile({ type: 'string', format: 'date-time' })('Mon, 05 Jan 2026 10:00:00 GMT'), false, 'an HTTP date is not a date-time');
  // The connector talks to the emulator through a loopback relay that keeps each request as sent.
  const relay = await startLocalServer(async (req, res) => {
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length', 'accept-encoding'].includes(k))) as Record<string, string>;
    const answer = await fetch(`${em.urls.base}${req.url}`, { method: req.method, headers, ...(req.body ? { body: req.body } : {}) });
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
    });
    res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
  });
  try {
    const tokens = await em.login();
    assert.ok(tokens.refresh_token, 'the sandbox login gives a refresh token');
    const credentials = new MemoryCredentialStore({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token, expiresAt: Date.now() + 20 * 60_000 });
    const client = createXeroClient({ clientId: em.sandbox.clientId, clientSecret: em.sandbox.clientSecret, credentials, urls: { api: `${relay.url}${new URL(em.urls.api).pathname}` } });
    const tenant = client.forTenant(em.tenantIds.primary);
    const since = new Date(em.ctx.clock.now() - 86_400_000);
    const invoices = [];
    for await (const page of tenant.iterateInvoices({ modifiedSince: since, pageSize: 5 })) invoices.push(...page.records);
    for await (const page of tenant.iterateContacts({ modifiedSince: since, includeArchived: true })) assert.ok(page.page >= 1);
    // More than ten references with a posting time: one If-Modified-Since read of /Payments.
    await tenant.findPaymentsByReference(Array.from({ length: 11 }, (_, i) => `spec-ref-${i}`), { postedAfter: since });
    await tenant.getInvoicesByIds(invoices.slice(0, 2).map((i) => i.InvoiceID));
    await tenant.getContactsByIds([aSupplier(em)]);
    await tenant.listAccounts({ where: 'Type=="BANK"' });
    await tenant.listTrackingCategories({ includeArchived: true });
    await tenant.getOrganisation();

    const sent = relay.seen.filter((r) => r.url.startsWith('/api.xro/2.0/'));
    const withSince = sent.filter((r) => r.headers['if-modified-since'] !== undefined);
    assert.ok(withSince.length >= 3, `If-Modified-Since went out on ${withSince.length} requests`);
    assert.deepEqual(sent.flatMap((r) => checkRequest(accounting, strict, r)), []);
  } finally {
    await relay.stop();
  }
});
