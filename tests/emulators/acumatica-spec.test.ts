/**
 * Spec conformance: the emulator's answers are validated against the schemas of the official
 * Default/24.200.001 OpenAPI file (../shared/specs/acumatica), and every field name it writes must be
 * a property of the schema of its entity, linked entity or detail — the spec is read as data, so a
 * misspelt field fails here. Without the file the tests are skipped with a message (never under CI).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { AcumaticaEmulator } from '../../src/emulators/acumatica/index.ts';
import { shapes } from '../../src/emulators/acumatica/fields.ts';
import { AcuClient, openAcumatica, releasedBill, wrap, type Res } from './acumatica-helpers.ts';

const SPEC = '../shared/specs/acumatica/acumatica-default-24.200.001.openapi.json';
const skip = !existsSync(SPEC) && process.env.CI !== 'true' ? `Acumatica spec not found (${SPEC}); run from the repository root with ../shared/specs present` : false;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Schema = { $ref?: string; allOf?: Schema[]; properties?: Record<string, Schema>; items?: Schema; type?: string };
type Doc = { paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, { schema?: Schema }> }> }>>; components: { schemas: Record<string, Schema>; responses: Record<string, { content?: Record<string, { schema?: Schema }> }> } };

let doc: Doc;
let ajv: Ajv;
let acu: AcumaticaEmulator;
let c: AcuClient;

before(async () => {
  if (skip) return;
  doc = JSON.parse(readFileSync(SPEC, 'utf8')) as Doc;
  ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc as object, 'acumatica');
  ({ acu, c } = await openAcumatica({ seed: 20 }));
});
after(async () => {
  if (skip) return;
  await c.logout();
  await acu.stop();
});

const refName = (ref: string): string => ref.split('/').pop()!;

/** The schema the spec gives for an answer of `method path` with this status. */
function responseSchema(method: string, path: string, status: number): string {
  const op = doc.paths[path]?.[method.toLowerCase()];
  assert.ok(op, `the spec has no ${method} ${path}`);
  let resp = op.responses[String(status)];
  assert.ok(resp, `the spec documents no ${status} for ${method} ${path}`);
  if (resp.$ref) resp = doc.components.responses[refName(resp.$ref)]!;
  const schema = resp.content?.['application/json']?.schema;
  assert.ok(schema, `no JSON body for ${status} of ${method} ${path}`);
  return schema.$ref ?? refName(schema.items!.$ref!);
}

function properties(name: string): Record<string, Schema> {
  const s = doc.components.schemas[name]!;
  const out: Record<string, Schema> = {};
  for (const part of s.allOf ?? [s]) {
    if (part.$ref) Object.assign(out, properties(refName(part.$ref)));
    Object.assign(out, part.properties ?? {});
  }
  return out;
}

/** Every key of `value` is a property of schema `name`, recursively through linked entities and details. */
function assertKnownFields(name: string, value: Record<string, unknown>, where: string): void {
  const props = properties(name);
  for (const [k, v] of Object.entries(value)) {
    const p = props[k];
    assert.ok(p, `${where}.${k} is not a field of ${name} in Default/24.200.001`);
    const target = p.items?.$ref ?? p.$ref;
    if (!target || refName(target).endsWith('Value') || k === 'note') continue;
    if (Array.isArray(v)) v.forEach((row, i) => assertKnownFields(refName(target), row as Record<string, unknown>, `${where}.${k}[${i}]`));
    else if (v && typeof v === 'object' && k !== 'custom') assertKnownFields(refName(target), v as Record<string, unknown>, `${where}.${k}`);
  }
}

function check(method: string, path: string, res: Res): void {
  const ref = responseSchema(method, path, res.status);
  const schemaName = ref.startsWith('#') ? refName(ref) : ref;
  const validate = ajv.getSchema(`acumatica#/components/schemas/${schemaName}`) as ValidateFunction;
  assert.ok(validate, `cannot compile ${schemaName}`);
  const bodies = Array.isArray(res.body) ? res.body : [res.body];
  assert.ok(bodies.length > 0, `${method} ${path} answered no records`);
  for (const [i, body] of bodies.entries()) {
    assert.ok(validate(body), `${method} ${path} (${res.status}) [${i}] violates ${schemaName}: ${ajv.errorsText(validate.errors)}`);
    if (schemaName !== 'HttpError') assertKnownFields(schemaName, body as Record<string, unknown>, `${method} ${path}`);
  }
}

test('lists and records of every entity the pair uses match their schemas and field names', { skip }, async () => {
  await releasedBill(c, 75);
  const reads: [string, string][] = [
    ['/Vendor', '?$expand=MainContact,RemittanceContact&$top=5'],
    ['/Bill', '?$expand=Details,Applications'],
    ['/Check', '?$expand=Details,History'],
    ['/Account', ''],
    ['/Subaccount', ''],
    ['/PurchaseOrder', '?$expand=Details'],
  ];
  for (const [path, query] of reads) check('GET', path, await c.get(`${path}${query}`));
  check('GET', '/Bill/{ids}', await c.get('/Bill/Bill/000001?$expand=Details'));
  check('GET', '/Vendor/{id}', await c.get(`/Vendor/${(await c.get('/Vendor/V00001')).body.id}`));
  check('PUT', '/CompaniesStructure', await c.put('/CompaniesStructure?$expand=Results', {}));
  check('GET', '/Bill/$adHocSchema', await c.get('/Bill/$adHocSchema'));
});

test('writes: PUT answers (200), the 422 echo with field errors, 412 and 400 HttpError', { skip }, async () => {
  check('PUT', '/Vendor', await c.put('/Vendor?$expand=MainContact', { ...wrap({ VendorID: 'SPEC1', VendorName: 'Spec Vendor' }), MainContact: { Email: { value: 'a@b.example.com' }, Address: wrap({ City: 'Austin' }) } }));
  check('PUT', '/Bill', await c.put('/Bill?$expand=Details', { ...wrap({ Type: 'Bill', Vendor: 'V00002', Hold: false }), Details: [wrap({ Account: '61000', Subaccount: '100010', ExtendedCost: 12.5 })] }));
  check('PUT', '/Bill', await c.put('/Bill', { ...wrap({ Type: 'Bill', Vendor: 'NOPE' }), Details: [wrap({ Account: '1', ExtendedCost: 1 })] }));
  check('PUT', '/Vendor', await c.put('/Vendor', wrap({ VendorID: 'SPEC1', VendorName: 'x' }), { 'if-none-match': '*' }));
  check('PUT', '/Vendor', await c.put('/Vendor', { VendorID: 'SPEC2' }));
  const bill = await releasedBill(c, 40);
  check('PUT', '/Check', await c.put('/Check?$expand=Details', { ...wrap({ Vendor: 'V00002', PaymentMethod: 'CHECK', CashAccount: '10100' }), Details: [wrap({ DocType: 'Bill', ReferenceNbr: bill.ReferenceNbr })] }));
});

test('errors: 401 and 500 HttpError as the spec gives them', { skip }, async () => {
  check('GET', '/Bill', await new AcuClient(acu, {}).get('/Bill'));
  await fetch(`${acu.urls.control}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ script: [{ fault: 'server_error' }] }) });
  check('GET', '/Bill', await c.get('/Bill'));
});

test('every field the emulator keeps (src/emulators/acumatica/fields.ts) is a field of its schema with the same wrapper type', { skip }, () => {
  const wrapper = { string: 'StringValue', decimal: 'DecimalValue', boolean: 'BooleanValue', int: 'IntValue', datetime: 'DateTimeValue' } as const;
  const checkFields = (schema: string, fields: Record<string, unknown>, where: string) => {
    const props = properties(schema);
    for (const [name, type] of Object.entries(fields)) {
      const p = props[name];
      assert.ok(p, `${where}.${name} is not a field of ${schema}`);
      if (typeof type === 'string') assert.equal(refName(p.$ref ?? ''), wrapper[type as keyof typeof wrapper], `${where}.${name} wrapper type`);
      else checkFields(refName(p.$ref!), type as Record<string, unknown>, `${where}.${name}`);
    }
  };
  for (const [entity, shape] of Object.entries(shapes)) {
    checkFields(entity, shape.fields, entity);
    checkFields(entity, shape.linked, entity);
    for (const [detail, fields] of Object.entries(shape.details)) checkFields(refName(properties(entity)[detail]!.items!.$ref!), fields, `${entity}.${detail}`);
  }
});
