import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMoney } from '../../src/core/money.ts';
import { acumaticaBill, mappedDepartment, subaccountToDepartment } from '../../src/pairs/acumatica-bill/index.ts';
import { acumaticaBillSettingsSchema } from '../../src/pairs/acumatica-bill/settings.ts';
import { planBill } from '../../src/flows/erp-to-bill/map-bill.ts';
import { stepOrder } from '../../src/engine/sync.ts';
import type { Link } from '../../src/model/link.ts';
import { subaccountDimension, type Bill, type BillLine } from '../../src/model/types.ts';

const usd = (v: string) => parseMoney(v, 'USD');
const link = (settings: Record<string, unknown>): Link => ({
  name: 'acu', pair: 'acumatica-bill', erpSystem: 'acumatica', erpConnectionId: 'acu', billConnectionId: 'bill',
  settings: acumaticaBillSettingsSchema.parse(settings),
});
const line = (subaccount: string | null, amount = '100.00'): BillLine => ({
  description: 'Freight', amount: usd(amount), account: { id: null, code: '60000' },
  dimensions: subaccount ? [{ category: subaccountDimension, option: subaccount }] : [],
});

test('the Acumatica pair runs vendors, then bills, then payments back, on the shared ERP → BILL steps', () => {
  assert.deepEqual(stepOrder(acumaticaBill).map((s) => `${s.entity}:${s.from}→${s.to}`), ['vendor:erp→bill', 'bill:erp→bill', 'payment:bill→erp']);
  assert.deepEqual([acumaticaBill.erp, acumaticaBill.hub, acumaticaBill.accounts.policy], ['acumatica', 'bill', 'create-missing']);
  assert.equal(acumaticaBill.accounts.mayCreate(link({ accountPolicy: 'error' })), false);
});

test('settings: codes are trimmed, unknown fields and empty codes are refused by name', () => {
  const ok = acumaticaBillSettingsSchema.parse({ cashAccount: ' 10200 ', paymentMethod: 'CHECK', subaccountDepartments: { '000-100': 'Sales' } });
  assert.deepEqual([ok.cashAccount, ok.accountPolicy, ok.pollCron], ['10200', 'create', '*/15 * * * *']);
  const unknown = acumaticaBillSettingsSchema.safeParse({ cashAcount: '10200' });
  assert.equal(unknown.success, false);
  assert.match(JSON.stringify(unknown.error?.issues), /cashAcount/);
  assert.equal(acumaticaBillSettingsSchema.safeParse({ subaccountDepartments: { '000-100': ' ' } }).success, false);
});

test('payments back need a cash account and a payment method, and say how to set them', () => {
  const payments = acumaticaBill.steps.find((s) => s.entity === 'payment')!;
  const ctxOf = (l: Link) => ({ link: l }) as Parameters<NonNullable<typeof payments.writeOptions>>[0];
  assert.throws(() => payments.writeOptions!(ctxOf(link({ paymentMethod: 'CHECK' }))), /link 'acu' needs a cash account .*settings\.cashAccount/);
  assert.deepEqual(payments.writeOptions!(ctxOf(link({ cashAccount: '10200', paymentMethod: 'CHECK' }))), { cashAccount: '10200', paymentMethod: 'CHECK' });
});

test('subaccounts reach BILL departments only through the map; an unmapped one fails its bill, naming it', () => {
  const empty = link({});
  assert.equal(subaccountToDepartment.appliesTo(empty), false, 'no map: departments are never read');
  const mapped = link({ subaccountDepartments: { '000-100': 'Sales' } });
  assert.equal(subaccountToDepartment.appliesTo(mapped), true);
  assert.equal(subaccountToDepartment.departmentOf(mapped, line('000-100')), 'Sales');
  assert.equal(subaccountToDepartment.departmentOf(mapped, line(null)), null, 'a line without a subaccount goes without a department');
  const unmapped = subaccountToDepartment.departmentOf(mapped, line('000-200'));
  assert.match(typeof unmapped === 'object' && unmapped ? unmapped.unmapped : String(unmapped), /subaccount '000-200', which link 'acu' maps to no BILL department/);
  // Through the pure mapper as the bill planner passes it on: the bill fails, naming line and subaccount.
  const bill: Bill = {
    id: 'AP-000123', vendorId: 'V100', invoiceNumber: 'INV-9', invoiceDate: '2026-11-02', dueDate: '2026-12-02', currency: 'USD', status: 'approved',
    total: usd('150.00'), amountDue: usd('150.00'), amountPaid: usd('0'), lines: [line('000-100'), line('000-200', '50.00')], updatedAt: '2026-11-02T00:00:00Z',
  };
  const d = planBill(bill, {
    linked: null, target: null, vendorTargetId: 'v1', vendorCurrency: 'USD', accountFor: () => 'coa-60000',
    departmentFor: (l) => {
      const wanted = subaccountToDepartment.departmentOf(mapped, l);
      return typeof wanted === 'string' ? `dep-${wanted}` : wanted;
    },
  });
  assert.deepEqual(d.kind === 'fail' ? [d.code, d.reason.slice(0, 37)] : d.kind, ['MLC_ERR_MISSING_DEPARTMENT', "line 2 is on subaccount '000-200', wh"]);
});

test('a subaccount map entry typed with segment separators ("200-010") maps the bare code lines carry ("200010")', () => {
  assert.equal(mappedDepartment({ '200-010': 'Sales' }, '200010'), 'Sales');
  assert.equal(mappedDepartment({ '200010': 'Ops', '200-010': 'Sales' }, '200010'), 'Ops', 'an exact key wins');
  assert.equal(mappedDepartment({ '200-011': 'Sales' }, '200010'), undefined);
});
