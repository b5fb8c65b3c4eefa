import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMoney } from '../../src/core/money.ts';
import type { GlAccount } from '../../src/model/types.ts';
import type { Link } from '../../src/model/link.ts';
import { matchPinnedThenByNumber } from '../../src/pairs/bill-qbo/policy.ts';
import { departmentResolver } from '../../src/pairs/bill-qbo/bills.ts';

const usd = (v: string) => parseMoney(v, 'USD');
const acct = (id: string, code: string | null, name: string, active = true): GlAccount => ({ id, code, name, kind: 'expense', active, acceptsPayments: false });
const linkWith = (accountMap: Record<string, string>) => ({ name: 'l', pair: 'bill-qbo', settings: { accountMap } }) as unknown as Link;

test('a pinned account mapping wins over number and name; a pin to an inactive ledger account pins nothing', () => {
  const source = [acct('b1', '400', 'Advertising'), acct('b2', '469', 'Rent'), acct('b3', '420', 'Entertainment')];
  const target = [acct('q1', '6000', 'Advertising'), acct('q2', '6200', 'Rent or Lease'), acct('q3', '6900', 'Meals', false)];
  const m = matchPinnedThenByNumber(source, target, linkWith({ b2: 'q2', b3: 'q3' }));
  assert.deepEqual(m.matches.map((x) => [x.sourceId, x.targetId, x.by]), [['b2', 'q2', 'map'], ['b1', 'q1', 'name']]);
});

test('a BILL department goes to the mapped ledger class, else the one of the same name, else fails naming the setting', () => {
  const resolve = departmentResolver(
    [{ id: 'd1', name: 'Operations', active: true }, { id: 'd2', name: 'Marketing', active: true }, { id: 'd3', name: 'People', active: true }],
    [{ id: 'c1', name: 'operations', active: true }, { id: 'c2', name: 'Research', active: true }],
    { d2: 'c2' }, 'QuickBooks Online class', 'main',
  );
  const line = (option: string) => ({ description: '', amount: usd('1.00'), account: null, dimensions: [{ category: 'Department', option }] });
  assert.equal(resolve(line('d1')), 'c1');
  assert.equal(resolve(line('d2')), 'c2');
  assert.equal(resolve(line('Operations')), 'c1');
  assert.match(JSON.stringify(resolve(line('d3'))), /People.*departmentMap/);
  assert.equal(resolve({ description: '', amount: usd('1.00'), account: null, dimensions: [] }), null);
});
