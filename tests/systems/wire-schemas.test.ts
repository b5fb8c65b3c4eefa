import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../src/core/errors.ts';
import { decodeWire } from '../../src/http/decode.ts';
import { envelope, invoiceSchema } from '../../src/systems/xero/schema.ts';
import { ifModifiedSinceValue, parseXeroDate } from '../../src/systems/xero/wire-dates.ts';
import { encodeXero } from '../../src/systems/xero/write-shapes.ts';
import { whereAnyEquals, xeroString } from '../../src/systems/xero/where.ts';
import { billSchema, listEnvelope } from '../../src/systems/bill/schema.ts';
import { encodeFilters } from '../../src/systems/bill/filters.ts';
import { encodeBill } from '../../src/systems/bill/write-shapes.ts';
import { keptLineIds } from '../../src/systems/bill/port.ts';
import { money } from '../../src/core/money.ts';
import { chunks } from '../../src/systems/chunks.ts';

test('Xero MS-JSON and zone-less ISO dates parse as UTC', () => {
  assert.equal(parseXeroDate('/Date(1419937200000+0000)/'), 1419937200000);
  assert.equal(parseXeroDate('/Date(1439434356790)/'), 1439434356790);
  assert.equal(parseXeroDate('/Date(1419937200000+1300)/'), 1419937200000);
  assert.equal(parseXeroDate('2019-07-09T23:40:30.1833130'), Date.UTC(2019, 6, 9, 23, 40, 30, 183));
  assert.equal(parseXeroDate('yesterday'), undefined);
  // If-Modified-Since goes as the spec's date-time (xero_accounting.yaml `format: date-time`), UTC, to the second.
  assert.equal(ifModifiedSinceValue('2026-01-05T10:00:00.987Z'), '2026-01-05T10:00:00Z');
  assert.equal(ifModifiedSinceValue(Date.UTC(2026, 0, 5, 10)), '2026-01-05T10:00:00Z');
});

test('an invoice envelope decodes amounts to exact decimal strings and dates to ISO', () => {
  const body = decodeWire(
    envelope('Invoices', invoiceSchema),
    {
      Id: 'e', Status: 'OK', ProviderName: 'p', DateTimeUTC: '/Date(1583945852489)/',
      pagination: { page: 1, pageSize: 100, pageCount: 1, itemCount: 1 },
      Invoices: [{
        InvoiceID: 'i1', Type: 'ACCPAY', Status: 'AUTHORISED', Contact: { ContactID: 'c1', Name: 'ACME' },
        Date: '/Date(1518685950940+0000)/', DueDate: '/Date(1519257600000+0000)/', Total: 0.3, AmountDue: 1234.5, CurrencyRate: 1.000000,
        LineItems: [{ Description: 'x', Quantity: 3, UnitAmount: 0.1, LineAmount: 0.3, AccountCode: '400' }],
        UpdatedDateUTC: '/Date(1541176592690+0000)/', Reference: null,
      }],
    },
    { system: 'xero', what: 'test' },
  );
  const inv = body.Invoices[0]!;
  assert.equal(inv.Total, '0.3');
  assert.equal(inv.AmountDue, '1234.5');
  assert.equal(inv.LineItems![0]!.UnitAmount, '0.1');
  assert.equal(inv.Date, '2018-02-15');
  assert.equal(inv.UpdatedDateUTC, '2018-11-02T16:36:32.690Z');
  assert.equal(inv.Reference, undefined);
  assert.equal(body.pagination?.pageCount, 1);
});

test('a wrong shape is MLC_ERR_BAD_RESPONSE naming the path, not the value', () => {
  assert.throws(
    () => decodeWire(envelope('Invoices', invoiceSchema), { Invoices: [{ InvoiceID: 'i', Type: 'ACCPAY', Status: 'PAID', Total: 'lots', Date: 'secret-value-42' }] }, { system: 'xero', what: 'GET /Invoices' }),
    (e: unknown) => {
      assert.ok(e instanceof ConnectorError);
      assert.equal(e.code, 'MLC_ERR_BAD_RESPONSE');
      assert.match(e.message, /Invoices\[0\]\.Total/);
      assert.match(e.message, /Invoices\[0\]\.Date/);
      assert.ok(!e.message.includes('secret-value-42'));
      return true;
    },
  );
  assert.throws(() => decodeWire(listEnvelope(billSchema), { results: 'nope' }, { system: 'bill', what: 'list' }), /results: /);
});

test('request bodies turn decimal strings into JSON numbers without touching the input', () => {
  const input = Object.freeze({ Invoice: Object.freeze({ InvoiceID: 'i' }), Amount: '1234.56', Reference: 'r', Date: '2026-01-05', Skip: undefined });
  assert.equal(JSON.stringify(encodeXero(input)), '{"Invoice":{"InvoiceID":"i"},"Amount":1234.56,"Reference":"r","Date":"2026-01-05"}');
  assert.equal(JSON.stringify(encodeBill({ billLineItems: [{ amount: '0.10', description: 'd' }] })), '{"billLineItems":[{"amount":0.1,"description":"d"}]}');
  assert.throws(() => encodeXero({ Amount: '1e3' }), RangeError);
});

test('filter text is escaped and built per the vendor grammar', () => {
  assert.equal(xeroString('INV "A" \\ 1'), '"INV \\"A\\" \\\\ 1"');
  assert.equal(whereAnyEquals('Reference', ['a', 'b']), 'Reference=="a" OR Reference=="b"');
  assert.equal(
    encodeFilters([{ field: 'updatedTime', op: 'gte', value: '2026-01-01T00:00:00.000Z' }, { field: 'vendorId', op: 'in', value: ['009a', '009b'] }, { field: 'archived', op: 'eq', value: false }]),
    'updatedTime:gte:"2026-01-01T00:00:00.000Z",vendorId:in:"009a,009b",archived:eq:false',
  );
  assert.throws(() => encodeFilters([{ field: 'name', op: 'eq', value: 'a"b' }]), /double quote/);
  assert.deepEqual(chunks([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
});

test('nulls read as absent at every depth; a required field sent as null is reported at its path', () => {
  const wire = {
    Invoices: [{
      InvoiceID: 'i2', Type: 'ACCPAY', Status: 'DRAFT', Contact: { ContactID: 'c2', Name: 'Null Co', EmailAddress: null },
      LineItems: [{ Description: null, Quantity: 1, UnitAmount: 5, AccountCode: null, Tracking: null }], Payments: null,
    }],
  };
  const inv = decodeWire(envelope('Invoices', invoiceSchema), wire, { system: 'xero', what: 'test' }).Invoices[0]!;
  assert.equal(inv.Payments, undefined);
  assert.equal(inv.LineItems![0]!.AccountCode, undefined);
  assert.equal(inv.LineItems![0]!.UnitAmount, '5');
  assert.throws(
    () => decodeWire(envelope('Invoices', invoiceSchema), { Invoices: [{ InvoiceID: null, Type: 'ACCPAY', Status: 'DRAFT' }] }, { system: 'xero', what: 'GET /Invoices' }),
    (e: unknown) => e instanceof ConnectorError && e.code === 'MLC_ERR_BAD_RESPONSE' && /Invoices\[0\]\.InvoiceID/.test(e.message),
  );
});

test('a BILL update keeps line ids: the same line first, then by position; extra lines are new', () => {
  const line = (cents: bigint, description: string, chartOfAccountId = '0ca01') => ({ amount: money('USD', cents), description, chartOfAccountId, departmentId: null });
  const held = (id: string, cents: bigint, description: string, accountId = '0ca01') => ({ id, amount: money('USD', cents), description, accountId, departmentId: null });
  const bill = [held('bli1', 1000n, 'a'), held('bli2', 2000n, 'b'), held('bli3', 3000n, 'c')];
  // One amount edited: every line keeps its id.
  assert.deepEqual(keptLineIds([line(1000n, 'a'), line(2500n, 'b'), line(3000n, 'c')], bill), ['bli1', 'bli2', 'bli3']);
  // The middle line removed: the last keeps its own id, not the removed one's.
  assert.deepEqual(keptLineIds([line(1000n, 'a'), line(3000n, 'c')], bill), ['bli1', 'bli3']);
  // A line inserted first: the others keep theirs, the new one takes none.
  assert.deepEqual(keptLineIds([line(500n, 'new', '0ca02'), line(1000n, 'a'), line(2000n, 'b'), line(3000n, 'c')], bill), [undefined, 'bli1', 'bli2', 'bli3']);
  // Two identical lines each keep one id; a line more than the bill has is new.
  assert.deepEqual(keptLineIds([line(1000n, 'x'), line(1000n, 'x'), line(9n, 'y')], [held('bliA', 1000n, 'x'), held('bliB', 1000n, 'x')]), ['bliA', 'bliB', undefined]);
  assert.deepEqual(keptLineIds([line(1n, 'z')], []), [undefined]);
});
