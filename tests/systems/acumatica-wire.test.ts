import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMoney } from '../../src/core/money.ts';
import { classifyAcumaticaFailure } from '../../src/systems/acumatica/errors.ts';
import { and, byKeys, dateTimeOffset, eq, modifiedAfter, or } from '../../src/systems/acumatica/filters.ts';
import { checkRecord } from '../../src/systems/acumatica/payments.ts';
import { billSchema, vendorSchema } from '../../src/systems/acumatica/schema.ts';
import { acumaticaSpec } from '../../src/systems/acumatica/spec.ts';
import { billToModel, vendorToModel } from '../../src/systems/acumatica/to-model.ts';
import { fieldErrors, wrapRecord } from '../../src/systems/acumatica/values.ts';
import { changedKeys, readPushNotification } from '../../src/systems/acumatica/webhooks.ts';

const here = dirname(fileURLToPath(import.meta.url));
const specDir = join(here, '..', '..', '..', 'shared', 'specs', 'acumatica');
const readJson = (name: string): unknown => JSON.parse(readFileSync(join(specDir, name), 'utf8'));
// The official files live next to the repository (../shared/specs/acumatica), as for the emulator's spec tests.
const skip = !existsSync(specDir) && process.env.CI !== 'true' ? `Acumatica spec files not found (${specDir}); run with ../shared/specs present` : false;

/** The official examples' request bodies by name (the collection is Acumatica's own). */
function exampleBody(name: string): unknown {
  const found: unknown[] = [];
  const walk = (items: { name: string; item?: unknown[]; request?: { body?: { raw?: string } } }[]) => {
    for (const it of items) {
      if (it.item) walk(it.item as typeof items);
      else if (it.name === name && it.request?.body?.raw) found.push(JSON.parse(it.request.body.raw));
    }
  };
  walk((readJson('acumatica-rest-examples-24.200.001.postman_collection.json') as { item: Parameters<typeof walk>[0] }).item);
  assert.ok(found[0], `example '${name}' is in the collection`);
  return found[0];
}

test('Acumatica wire: every value written is wrapped, system keys and detail rows included, and the Check fields are those of the endpoint', { skip }, () => {
  const wire = wrapRecord({ Type: 'Payment', Hold: false, PaymentAmount: 12.5, Vendor: null, Skipped: undefined, id: 'g', Details: [{ DocType: 'Bill', delete: true }] });
  assert.deepEqual(wire, { Type: { value: 'Payment' }, Hold: { value: false }, PaymentAmount: { value: 12.5 }, Vendor: { value: null }, id: 'g', Details: [{ DocType: { value: 'Bill' }, delete: true }] });

  const spec = readJson('acumatica-default-24.200.001.openapi.json') as { components: { schemas: Record<string, { allOf?: { properties?: Record<string, { $ref?: string }> }[] }> } };
  const props = (name: string) => Object.assign({}, ...(spec.components.schemas[name]!.allOf ?? []).map((p) => p.properties ?? {})) as Record<string, { $ref?: string; type?: string }>;
  const check = wrapRecord(checkRecord({ erpBillId: 'Bill|000123', amount: parseMoney('10.05', 'USD'), date: '2025-04-01', reference: 'BILL p1 a1', applicationId: 'a1' }, { cashAccount: '10100', paymentMethod: 'CHECK' }, { Vendor: 'V0001' }, { type: 'Bill', referenceNbr: '000123' }));
  const checkProps = props('Check');
  const detailProps = props('CheckDetail');
  for (const [field, value] of Object.entries(check)) {
    assert.ok(checkProps[field], `Check.${field} is a field of Default/24.200.001`);
    if (field === 'Details') {
      for (const [f, v] of Object.entries((value as Record<string, unknown>[])[0]!)) {
        assert.ok(detailProps[f]?.$ref?.endsWith('Value'), `CheckDetail.${f} is a wrapped field`);
        assert.ok(v && typeof v === 'object' && 'value' in v);
      }
    } else {
      assert.ok(checkProps[field]!.$ref?.endsWith('Value'), `Check.${field} is a wrapped field`);
      assert.ok(value && typeof value === 'object' && 'value' in value, `Check.${field} is sent wrapped`);
    }
  }
  assert.equal((check.PaymentAmount as { value: number }).value, 10.05, 'money as an exact JSON number');
});

test('Acumatica wire: the official examples read through the wire schemas and into the model', { skip }, () => {
  const bill = billSchema.parse({ ...(exampleBody('Create a Bill with Tax Parameters Overridden') as object), ReferenceNbr: { value: '000159' }, Status: { value: 'Open' }, Balance: { value: 1120 } });
  assert.equal(bill.Amount, '1120');
  assert.equal(bill.Details?.[0]?.Account, '50000');
  assert.equal(bill.Details?.[0]?.Subaccount, '000000');
  const model = billToModel(bill);
  assert.equal(model.id, 'Bill|000159');
  assert.equal(model.invoiceNumber, 'test-API22', "the vendor's reference is the invoice number");
  assert.equal(model.status, 'approved');
  assert.equal(model.invoiceDate, '2021-10-18', 'the example writes dates as MM/DD/YYYY');
  assert.equal(model.dueDate, '2021-11-18');
  assert.deepEqual(model.lines[0]!.dimensions, [{ category: 'Subaccount', option: '000000' }]);

  const vendor = vendorSchema.parse({ ...(exampleBody('Create a Vendor') as object), VendorID: { value: 'V100' } });
  assert.equal(vendor.CurrencyID, 'USD');
  assert.equal(vendorToModel(vendor).active, true);
  assert.throws(() => billSchema.parse({ Type: {}, ReferenceNbr: { value: '1' } }), /Type/);
});

test('Acumatica wire: filters quote text and write instants as datetimeoffset literals', () => {
  assert.equal(eq('VendorRef', "O'Hara"), "VendorRef eq 'O''Hara'");
  assert.equal(dateTimeOffset('2024-07-15T10:31:28.402+03:00'), "datetimeoffset'2024-07-15T07:31:28.402+00:00'");
  assert.equal(modifiedAfter('2025-01-01T00:00:00Z'), "LastModifiedDateTime gt datetimeoffset'2025-01-01T00:00:00.000+00:00'");
  assert.equal(or(byKeys({ Type: 'Bill', ReferenceNbr: '1' }), byKeys({ Type: 'Credit Adj.', ReferenceNbr: '2' })), "(Type eq 'Bill' and ReferenceNbr eq '1') or (Type eq 'Credit Adj.' and ReferenceNbr eq '2')");
  assert.equal(and(eq('Type', 'Payment'), undefined), "Type eq 'Payment'");
  assert.throws(() => dateTimeOffset('yesterday'), RangeError);
});

const failure = (status: number, json: unknown, request = 'PUT /entity/Default/24.200.001/Check') => ({ system: 'acumatica', request, status, headers: new Headers(), bodyText: JSON.stringify(json), json, now: Date.now() });

test('Acumatica wire: errors become connector errors; a 422 names every refused field', () => {
  const e422 = classifyAcumaticaFailure(failure(422, { Vendor: { value: 'X', error: "'Vendor' cannot be found in the system." }, Details: [{ AmountPaid: { value: 5 } }, { ReferenceNbr: { value: '9', error: 'The document cannot be applied.' } }] }));
  assert.equal(e422.code, 'MLC_ERR_VALIDATION');
  assert.match(e422.message, /Vendor: 'Vendor' cannot be found in the system\.; Details\[1\]\.ReferenceNbr: The document cannot be applied\./);
  assert.deepEqual(fieldErrors({ error: 'whole record' }), ['(record): whole record']);
  assert.equal(classifyAcumaticaFailure(failure(401, { message: 'You are not logged in.' })).code, 'MLC_ERR_AUTH_EXPIRED');
  assert.equal(classifyAcumaticaFailure(failure(412, { message: 'exists' })).vendorCode, 'PreconditionFailed');
  assert.equal(classifyAcumaticaFailure(failure(429, { message: 'The number of requests has exceeded the limit imposed by the license.' })).code, 'MLC_ERR_RATE_LIMITED');
  assert.equal(classifyAcumaticaFailure(failure(500, { message: 'An error has occurred.', exceptionMessage: 'No entity satisfies the condition.' })).code, 'MLC_ERR_NOT_FOUND');
  const server = classifyAcumaticaFailure(failure(500, { message: 'An error has occurred.', exceptionMessage: 'Deadlock', exceptionType: 'PX.Data.PXException' }));
  assert.equal(server.code, 'MLC_ERR_SERVER');
  assert.match(server.message, /An error has occurred\. — Deadlock/);
  assert.equal(classifyAcumaticaFailure(failure(404, { message: 'No HTTP resource was found' })).code, 'MLC_ERR_NOT_FOUND');
  const grant = classifyAcumaticaFailure(failure(400, { error: 'invalid_grant' }, 'POST /identity/connect/token'));
  assert.equal(grant.code, 'MLC_ERR_RECONNECT_NEEDED');
  assert.match(grant.message, new RegExp(acumaticaSpec.auth.reconnectCommand));
});

test('Acumatica wire: push notifications need the configured header and name the records changed', () => {
  const body = JSON.stringify({ Inserted: [{ Type: 'Bill', ReferenceNbr: '000010' }], Deleted: [{ Type: 'Bill', ReferenceNbr: '000010' }, { Type: 'Bill', ReferenceNbr: '000011' }], Query: 'MLC-Bills', CompanyId: 'Company', Id: 'a1b2', TimeStamp: 638000000000000000, AdditionalInfo: {} });
  const refused = readPushNotification({ rawBody: body, header: 'wrong', expected: 'secret-token' });
  assert.equal(refused.ok, false);
  const read = readPushNotification({ rawBody: Buffer.from(body), header: 'secret-token', expected: 'secret-token' });
  assert.ok(read.ok);
  assert.deepEqual(changedKeys(read.value, ['Type', 'ReferenceNbr']), ['Bill|000010', 'Bill|000011']);
  const bad = readPushNotification({ rawBody: '{"Inserted": []}', header: 'secret-token', expected: 'secret-token' });
  assert.ok(!bad.ok && bad.error.reason === 'bad_payload');
});

test('Acumatica wire: document tax is spread over the lines so they add up to the amount owed', () => {
  const bill = billSchema.parse({
    Type: { value: 'Bill' }, ReferenceNbr: { value: '000200' }, Status: { value: 'Open' }, Vendor: { value: 'V1' }, CurrencyID: { value: 'USD' },
    Amount: { value: 110.01 }, Balance: { value: 110.01 }, TaxTotal: { value: 10.01 }, Date: { value: '2025-03-01T00:00:00+00:00' },
    Details: [{ Account: { value: '60000' }, Amount: { value: 66.67 } }, { Account: { value: '61000' }, Amount: { value: 33.33 } }],
  });
  const model = billToModel(bill);
  assert.deepEqual(model.lines.map((l) => l.amount.minor), [7335n, 3666n]);
  assert.equal(model.lines.reduce((n, l) => n + l.amount.minor, 0n), model.total.minor);
  assert.equal(model.amountPaid.minor, 0n);
  const partly = billToModel({ ...bill, Balance: '10.01' });
  assert.equal(partly.amountPaid.minor, 10000n, 'what released applications took off the balance');
});
