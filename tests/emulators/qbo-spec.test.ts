import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { DECLARED_FIELDS } from '../../src/emulators/qbo/fields.ts';
import { expenseLine, readXsdTypes, seeded, startQbo, undeclaredFields, type XsdType } from './qbo-helpers.ts';

/**
 * Every field the emulator sends on Vendor, Account, PurchaseOrder, Bill, BillPayment, Class,
 * Department and Item is declared by the official schemas (Finance.xsd and the files it includes),
 * at every depth: names as the schema spells them, nested objects checked against their types.
 * The schema files live next to the repository (../shared/specs/qbo); without them the tests are
 * skipped with a message, except under CI where they must be present.
 */

const FILES = ['IntuitBaseTypes.xsd', 'IntuitNamesTypes.xsd', 'Finance.xsd', 'IntuitRestServiceDef.xsd'].map((f) => `../shared/specs/qbo/${f}`);
const missing = FILES.filter((f) => !existsSync(f));
const skip = missing.length > 0 && process.env.CI !== 'true' ? `QBO schema files not found (${missing.join(', ')}); run from the repository root with ../shared/specs present` : false;
const schema = skip ? { types: new Map(), groups: new Map() } : readXsdTypes(FILES);

test('the XSD reader finds declarations, bases and attributes (and would flag an unknown field)', { skip }, () => {
  const vendor = schema.types.get('Vendor');
  assert.ok(vendor, 'Vendor type');
  assert.equal(vendor.base, 'NameBase');
  assert.ok(schema.types.get('IntuitEntity')?.elements.has('SyncToken'));
  assert.ok(schema.types.get('ReferenceType')?.simpleContent);
  assert.deepEqual(undeclaredFields(schema, 'Vendor', { DisplayName: 'x', SyncToken: '0', domain: 'QBO', Colour: 'red', MetaData: { CreateTime: 't', Oops: 1 } }), ['Vendor.Colour', 'Vendor.MetaData.Oops']);
});

test('every field of every emitted AP object is declared in the XSD', { skip }, async () => {
  const { em, client } = await startQbo();
  try {
    const { expense, bank, vendor } = await seeded(client);
    const item = (await client.query('select * from Item')).body.QueryResponse.Item[0];
    const cls = (await client.query('select * from Class')).body.QueryResponse.Class[0];
    const dept = (await client.query('select * from Department')).body.QueryResponse.Department[0];
    const lines = [
      { ...expenseLine(expense.Id, 10), AccountBasedExpenseLineDetail: { AccountRef: { value: expense.Id }, ClassRef: { value: cls.Id } }, Description: 'paper' },
      { Amount: 5, DetailType: 'ItemBasedExpenseLineDetail', ItemBasedExpenseLineDetail: { ItemRef: { value: item.Id }, Qty: 1, UnitPrice: 5 } },
    ];
    const bill = (await client.call('POST', '/bill', { VendorRef: { value: vendor.Id }, DocNumber: 'XSD-1', DepartmentRef: { value: dept.Id }, PrivateNote: 'n', Line: lines })).body.Bill;
    const po = (await client.call('POST', '/purchaseorder', { VendorRef: { value: vendor.Id }, Line: lines })).body.PurchaseOrder;
    const payment = (await client.call('POST', '/billpayment', {
      VendorRef: { value: vendor.Id }, PayType: 'Check', CheckPayment: { BankAccountRef: { value: bank.Id } }, TotalAmt: 15,
      Line: [{ Amount: 15, LinkedTxn: [{ TxnId: bill.Id, TxnType: 'Bill' }] }],
    })).body.BillPayment;
    const objects: [string, unknown][] = [['Bill', bill], ['PurchaseOrder', po], ['BillPayment', payment]];
    for (const entity of ['Vendor', 'Account', 'Class', 'Department', 'Item', 'Bill']) {
      objects.push([entity, (await client.query(`select * from ${entity} MAXRESULTS 1000`)).body.QueryResponse[entity]]);
    }
    for (const [entity, value] of objects) {
      assert.ok(value, `${entity} was emitted`);
      assert.deepEqual(undeclaredFields(schema, entity, value), [], `${entity} fields not in the XSD`);
    }
  } finally {
    await em.stop();
  }
});

test('the Fault envelope carries only what IntuitRestServiceDef.xsd declares, with a string code', { skip }, async () => {
  const { em, client } = await startQbo();
  try {
    const answers = [
      await client.call('POST', '/vendor', { DisplayName: (await seeded(client)).vendor.DisplayName }),
      await client.call('GET', '/vendor/1', undefined, em.sandbox.otherRealmId),
      await client.query('select * from Vendor where A = 1 OR B = 2'),
    ];
    for (const a of answers) {
      assert.deepEqual(Object.keys(a.body).sort(), ['Fault', 'time']);
      assert.deepEqual(undeclaredFields(schema, 'Fault', a.body.Fault), []);
      for (const e of a.body.Fault.Error) assert.equal(typeof e.code, 'string');
    }
  } finally {
    await em.stop();
  }
});

test('the field names the emulator accepts on writes are exactly those the XSD declares', { skip }, () => {
  for (const [entity, accepted] of Object.entries(DECLARED_FIELDS)) {
    const names = new Set<string>();
    const visit = (t: XsdType | undefined): void => {
      if (!t) return;
      for (const k of t.elements.keys()) names.add(k);
      for (const a of t.attributes) names.add(a);
      for (const g of t.groups) visit(schema.groups.get(g));
      if (t.base) visit(schema.types.get(t.base));
    };
    visit(schema.types.get(entity));
    assert.deepEqual([...accepted].sort(), [...names].sort(), entity);
  }
});
