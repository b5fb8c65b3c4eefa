import { test } from 'node:test';
import assert from 'node:assert/strict';
import { money, parseMoney } from '../../core/money.ts';
import type { Bill, TargetBillState, Vendor } from '../../model/types.ts';
import { VendorIndex } from '../vendor-index.ts';
import { planLedgerVendor } from './map-vendor.ts';
import { planPurchase, type PurchaseContext } from './map-purchase.ts';

const usd = (v: string) => parseMoney(v, 'USD');
const vendor = (over: Partial<Vendor> = {}): Vendor => ({
  id: 'v1', name: 'Northwind Traders', email: 'ap@northwind.test', phone: null, taxId: null, address: null, currency: 'USD', active: true, updatedAt: '2026-01-01T00:00:00Z', ...over,
});
const bill = (over: Partial<Bill> = {}): Bill => ({
  id: 'b1', vendorId: 'v1', invoiceNumber: 'INV-1', invoiceDate: '2026-01-02', dueDate: '2026-02-01', currency: 'USD', status: 'approved',
  total: usd('150.00'), amountDue: usd('150.00'), amountPaid: usd('0'),
  lines: [
    { description: 'Rent', amount: usd('100.00'), account: { id: 'acc-rent', code: null }, dimensions: [{ category: 'Department', option: 'dep-ops' }] },
    { description: 'Ads', amount: usd('50.00'), account: { id: 'acc-ads', code: null }, dimensions: [] },
  ],
  updatedAt: '2026-01-02T00:00:00Z',
  ...over,
});
const ctx = (over: Partial<PurchaseContext> = {}): PurchaseContext => ({
  linked: null, target: null, vendorTargetId: 'q-v1',
  accountFor: (l) => ({ 'acc-rent': 'q-7', 'acc-ads': 'q-6' } as Record<string, string>)[l.account?.id ?? ''] ?? null,
  departmentFor: (l) => (l.dimensions[0] ? 'q-class-ops' : null),
  howToMapAccount: 'set accountMap', closable: true, ...over,
});
const state = (over: Partial<TargetBillState> = {}): TargetBillState => ({ id: 'po1', amount: usd('150.00'), paidAmount: usd('0'), scheduledAmount: money('USD', 0n), archived: false, lines: [], ...over });

test('a BILL vendor links to the ledger vendor that already has its name (never "Acme (1)"), else is created; archived ones are left', () => {
  const index = new VendorIndex([{ id: 'q-9', name: 'NORTHWIND traders ', email: null, taxId: null, archived: false }]);
  const linked = planLedgerVendor(vendor(), { linked: null, index, taken: new Set() });
  assert.equal(linked.kind, 'link');
  assert.equal(linked.kind === 'link' && linked.targetId, 'q-9');
  assert.equal(planLedgerVendor(vendor(), { linked: null, index, taken: new Set(['q-9']) }).kind, 'create');
  assert.equal(planLedgerVendor(vendor({ active: false }), { linked: null, index, taken: new Set() }).kind, 'skip');
  assert.equal(planLedgerVendor(vendor({ active: false }), { linked: { targetId: 'q-9', hash: 'x' }, index, taken: new Set() }).kind, 'unchanged');
  const tooLong = planLedgerVendor(vendor({ name: 'x'.repeat(501) }), { linked: null, index, taken: new Set() });
  assert.equal(tooLong.kind, 'fail');
});

test('a BILL bill becomes a purchase on the mapped accounts and department; the same bill again is unchanged', () => {
  const d = planPurchase(bill(), ctx());
  assert.equal(d.kind, 'create');
  if (d.kind !== 'create') return;
  assert.equal(d.payload.vendorId, 'q-v1');
  assert.deepEqual(d.payload.lines.map((l) => [l.chartOfAccountId, l.departmentId, l.amount.minor]), [['q-7', 'q-class-ops', 10000n], ['q-6', null, 5000n]]);
  const again = planPurchase(bill(), ctx({ linked: { targetId: 'po1', hash: d.hash } }));
  assert.equal(again.kind, 'unchanged');
  const edited = planPurchase(bill({ invoiceDate: '2026-01-03' }), ctx({ linked: { targetId: 'po1', hash: d.hash }, target: state() }));
  assert.equal(edited.kind, 'update');
});

test('a line on an unmapped account fails its bill naming the account and how to map it; nothing is created in the chart', () => {
  const d = planPurchase(bill(), ctx({ accountFor: (l) => (l.account?.id === 'acc-ads' ? 'q-6' : null) }));
  assert.equal(d.kind, 'fail');
  assert.match(d.kind === 'fail' ? d.reason : '', /line 1 is on BILL account 'acc-rent'.*set accountMap/);
  assert.equal(d.kind === 'fail' && d.code, 'MLC_ERR_MISSING_ACCOUNT');
  const dep = planPurchase(bill(), ctx({ departmentFor: (l) => (l.dimensions[0] ? { unmapped: "is on BILL department 'Ops'" } : null) }));
  assert.equal(dep.kind === 'fail' && dep.code, 'MLC_ERR_MISSING_DEPARTMENT');
});

test('an archived BILL bill closes its purchase order, is a conflict once the ledger paid it or holds it as a Bill, and is skipped when never synced', () => {
  const archived = bill({ status: 'voided' });
  assert.equal(planPurchase(archived, ctx()).kind, 'skip');
  assert.equal(planPurchase(archived, ctx({ linked: { targetId: 'po1', hash: 'h' }, target: state() })).kind, 'archive');
  assert.equal(planPurchase(archived, ctx({ linked: { targetId: 'po1', hash: 'h' }, target: state({ archived: true }) })).kind, 'unchanged');
  assert.equal(planPurchase(archived, ctx({ linked: { targetId: 'po1', hash: 'h' }, target: state({ paidAmount: usd('10.00') }) })).kind, 'conflict');
  assert.equal(planPurchase(archived, ctx({ linked: { targetId: 'po1', hash: 'h' }, target: state(), closable: false })).kind, 'conflict');
  const edit = planPurchase(bill({ dueDate: '2026-03-01' }), ctx({ linked: { targetId: 'po1', hash: 'old' }, target: state({ archived: true }) }));
  assert.equal(edit.kind, 'conflict');
});

test('lines that do not add up to the total, or a currency that is no ISO code, fail the bill', () => {
  assert.equal(planPurchase(bill({ total: usd('151.00') }), ctx()).kind, 'fail');
  assert.equal(planPurchase(bill({ currency: 'XXQ' }), ctx()).kind, 'fail');
  assert.equal(planPurchase(bill(), ctx({ vendorTargetId: null })).kind, 'fail');
});

