import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMoney } from '../../core/money.ts';
import type { Bill, GlAccount, Vendor } from '../../model/types.ts';
import { matchAccounts } from './match-accounts.ts';
import { planBill, type BillContext } from './map-bill.ts';
import { planVendor, VendorIndex } from './map-vendor.ts';

const usd = (v: string) => parseMoney(v, 'USD');
const acct = (id: string, code: string | null, name: string, active = true): GlAccount => ({ id, code, name, kind: 'expense', active, acceptsPayments: false });

test('accounts match by code first, then by name, never onto an archived or already used account', () => {
  const source = [acct('x1', '400', 'Advertising'), acct('x2', '410', 'Rent'), acct('x3', '420', 'Travel'), acct('x4', '430', 'Office')];
  const target = [acct('b1', '400', 'Marketing'), acct('b2', '999', ' rent '), acct('b3', '420', 'Travel', false), acct('b4', null, 'Advertising')];
  const m = matchAccounts(source, target);
  assert.deepEqual(m.matches, [
    { sourceId: 'x1', targetId: 'b1', by: 'code' },
    { sourceId: 'x2', targetId: 'b2', by: 'name' },
  ]);
  assert.deepEqual(m.unmatched.map((a) => a.id), ['x3', 'x4']);
});

const vendor = (over: Partial<Vendor> = {}): Vendor => ({
  id: 'c1', name: 'Acme Supplies', email: 'ap@acme.test', phone: null, taxId: '12-345', address: null, currency: 'USD', active: true, updatedAt: '2026-01-01T00:00:00Z', ...over,
});

test('a supplier links to an existing BILL vendor by name, then tax number, then email instead of creating a duplicate', () => {
  const index = new VendorIndex([
    { id: 'v-name', name: 'ACME supplies', email: null, taxId: null, archived: false },
    { id: 'v-tax', name: 'Other', email: null, taxId: '12345', archived: false },
    { id: 'v-mail', name: 'Third', email: 'AP@acme.test', taxId: null, archived: false },
    { id: 'v-arch', name: 'Ghost Co', email: null, taxId: null, archived: true },
  ]);
  const none = new Set<string>();
  assert.deepEqual(pick(planVendor(vendor(), { linked: null, index, taken: none })), ['link', 'v-name', 'name']);
  assert.deepEqual(pick(planVendor(vendor({ name: 'Renamed' }), { linked: null, index, taken: none })), ['link', 'v-tax', 'taxId']);
  assert.deepEqual(pick(planVendor(vendor({ name: 'Renamed', taxId: null }), { linked: null, index, taken: none })), ['link', 'v-mail', 'email']);
  assert.equal(planVendor(vendor({ name: 'Ghost Co', taxId: null, email: null }), { linked: null, index, taken: none }).kind, 'create');
  assert.equal(planVendor(vendor(), { linked: null, index, taken: new Set(['v-name', 'v-tax', 'v-mail']) }).kind, 'create');
});

test('a linked supplier is updated only when its details changed, and over-long names fail clearly', () => {
  const index = new VendorIndex();
  const first = planVendor(vendor(), { linked: null, index, taken: new Set() });
  assert.equal(first.kind, 'create');
  const hash = first.kind === 'create' ? first.hash : '';
  assert.equal(planVendor(vendor(), { linked: { targetId: 'v1', hash }, index, taken: new Set() }).kind, 'unchanged');
  assert.equal(planVendor(vendor({ email: 'new@acme.test' }), { linked: { targetId: 'v1', hash }, index, taken: new Set() }).kind, 'update');
  const long = planVendor(vendor({ name: 'x'.repeat(101) }), { linked: null, index, taken: new Set() });
  assert.equal(long.kind, 'fail');
  assert.match(long.kind === 'fail' ? long.reason : '', /101 characters; BILL accepts at most 100/);
});

function pick(d: ReturnType<typeof planVendor>): unknown[] {
  return d.kind === 'link' ? [d.kind, d.targetId, d.by] : [d.kind];
}

const bill = (over: Partial<Bill> = {}): Bill => ({
  id: 'inv-1', vendorId: 'c1', invoiceNumber: 'S-100', invoiceDate: '2026-01-02', dueDate: '2026-02-01', currency: 'USD', status: 'approved',
  total: usd('150.00'), amountDue: usd('150.00'), amountPaid: usd('0'),
  lines: [
    { description: 'Paper', amount: usd('100.00'), account: { id: null, code: '400' }, dimensions: [{ category: 'Region', option: 'West' }] },
    { description: 'Ink', amount: usd('50.00'), account: { id: null, code: '410' }, dimensions: [] },
  ],
  updatedAt: '2026-01-02T00:00:00Z', ...over,
});

const ctx = (over: Partial<BillContext> = {}): BillContext => ({
  linked: null, target: null, vendorTargetId: 'v1', vendorCurrency: 'USD',
  accountFor: (l) => ({ '400': 'coa-400', '410': 'coa-410' } as Record<string, string>)[l.account?.code ?? ''] ?? null,
  departmentFor: (l) => (l.dimensions.some((d) => d.option === 'West') ? 'dep-west' : null),
  ...over,
});

test('an approved unpaid bill becomes a BILL bill with matched accounts and departments', () => {
  const d = planBill(bill(), ctx());
  assert.equal(d.kind, 'create');
  if (d.kind !== 'create') return;
  assert.equal(d.payload.vendorId, 'v1');
  assert.deepEqual(d.payload.lines.map((l) => [l.chartOfAccountId, l.departmentId, l.amount.minor]), [['coa-400', 'dep-west', 10000n], ['coa-410', null, 5000n]]);
  assert.equal(planBill(bill(), ctx({ linked: { targetId: 'b1', hash: d.hash } })).kind, 'unchanged');
  assert.equal(planBill(bill({ dueDate: '2026-03-01' }), ctx({ linked: { targetId: 'b1', hash: d.hash } })).kind, 'update');
});

test('drafts, submitted, paid and partly paid bills are skipped with a reason', () => {
  for (const [over, reason] of [
    [{ status: 'draft' }, /draft/],
    [{ status: 'submitted' }, /awaiting approval/],
    [{ status: 'paid', amountDue: usd('0'), amountPaid: usd('150.00') }, /already paid/],
    [{ amountDue: usd('100.00'), amountPaid: usd('50.00') }, /partly paid/],
    [{ status: 'voided' }, /VOIDED/],
    // ADR 0006: only documents that are owed and payable go to BILL as bills.
    [{ kind: 'vendor-credit' }, /debit adjustment lowers what is owed/],
    [{ kind: 'prepayment' }, /prepayment is paid ahead of an invoice/],
  ] as const) {
    const d = planBill(bill(over as Partial<Bill>), ctx());
    assert.equal(d.kind, 'skip');
    assert.match(d.kind === 'skip' ? d.reason : '', reason);
  }
});

test('a void archives an unpaid BILL bill and is a conflict when BILL has paid or scheduled it', () => {
  const target = { id: 'b1', amount: usd('150.00'), paidAmount: usd('0'), scheduledAmount: usd('0'), archived: false, lines: [] };
  const linked = { targetId: 'b1', hash: 'h' };
  assert.equal(planBill(bill({ status: 'voided' }), ctx({ linked, target })).kind, 'archive');
  const paid = planBill(bill({ status: 'voided' }), ctx({ linked, target: { ...target, paidAmount: usd('20.00') } }));
  assert.equal(paid.kind, 'conflict');
  const scheduled = planBill(bill({ status: 'deleted' }), ctx({ linked, target: { ...target, scheduledAmount: usd('150.00') } }));
  assert.equal(scheduled.kind, 'conflict');
});

test('missing accounts, unknown currencies, failed vendors and totals that do not add up fail with stable codes', () => {
  const codeOf = (d: ReturnType<typeof planBill>) => (d.kind === 'fail' ? d.code : d.kind);
  assert.equal(codeOf(planBill(bill({ lines: [{ description: 'x', amount: usd('150.00'), account: { id: null, code: '999' }, dimensions: [] }] }), ctx())), 'MLC_ERR_MISSING_ACCOUNT');
  assert.equal(codeOf(planBill(bill({ currency: 'ZZZ' }), ctx())), 'MLC_ERR_UNKNOWN_CURRENCY');
  // BILL reads a bill's amounts in its vendor's currency: a EUR bill on a USD vendor must not go.
  const eur = planBill(bill(), ctx({ vendorCurrency: 'EUR' }));
  assert.equal(codeOf(eur), 'MLC_ERR_CURRENCY_MISMATCH');
  assert.match(eur.kind === 'fail' ? eur.reason : '', /the bill is in USD but its vendor in BILL takes bills in EUR/);
  assert.equal(planBill(bill(), ctx({ vendorCurrency: null })).kind, 'create', 'an unknown vendor currency leaves the decision to BILL');
  assert.equal(codeOf(planBill(bill(), ctx({ vendorTargetId: null }))), 'MLC_ERR_DEPENDENCY_FAILED');
  assert.equal(codeOf(planBill(bill({ total: usd('151.00') }), ctx())), 'MLC_ERR_VALIDATION');
});

test('a line whose department the pair cannot map or BILL lacks fails the bill, naming it', () => {
  const unmapped = planBill(bill(), ctx({ departmentFor: (l) => (l.dimensions.length ? { unmapped: "is on subaccount '000-100', which the link maps to no BILL department" } : null) }));
  assert.deepEqual(unmapped.kind === 'fail' ? [unmapped.code, unmapped.reason] : unmapped.kind, ['MLC_ERR_MISSING_DEPARTMENT', "line 1 is on subaccount '000-100', which the link maps to no BILL department"]);
  const missing = planBill(bill(), ctx({ departmentFor: (l) => (l.dimensions.length ? { missing: 'West' } : null) }));
  assert.match(missing.kind === 'fail' ? missing.reason : missing.kind, /line 1 is tracked to 'West', which has no department of that name in BILL/);
});
