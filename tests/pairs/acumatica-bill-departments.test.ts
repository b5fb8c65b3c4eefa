/**
 * The suggested subaccount → BILL department map on its own (pure): code first, then name, then
 * the first segment's name; ambiguous candidates are named and not chosen; entries already in the
 * map are kept and one naming a department BILL no longer has is flagged; confirming writes only
 * the suggestions asked for, through the pair's settings schema.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { suggestDepartments, type DepartmentEntry } from '../../src/pairs/acumatica-bill/department-suggestions.ts';
import { acumaticaBillSettingsSchema } from '../../src/pairs/acumatica-bill/settings.ts';
import { settingsWithEntries, suggestedEntries, valueMapsOf } from '../../src/pairs/value-maps.ts';
import type { Link } from '../../src/model/link.ts';

const sub = (code: string, description: string | null, active = true) => ({ code, description, active });
const dept = (name: string, extra: Partial<DepartmentEntry> = {}): DepartmentEntry => ({ name, active: true, ...extra });

test('a department is found by code before name, and by the first segment of a composed description last', () => {
  const proposal = suggestDepartments(
    [sub('200010', 'Sales - Headquarters'), sub('300000', 'Operations'), sub('400020', 'Engineering - East Coast'), sub('100-000', 'Administration'), sub('000000', null)],
    [dept('Sales'), dept('Operations'), dept('Engineering'), dept('100000 Admin'), dept('Marketing')],
    {},
  );
  const by = Object.fromEntries(proposal.rows.map((r) => [r.value, r.suggestion ? `${r.suggestion.value} by ${r.suggestion.by}` : null]));
  assert.deepEqual(by, {
    '000000': null,
    '100-000': '100000 Admin by code',
    '200010': 'Sales by first segment name',
    '300000': 'Operations by name',
    '400020': 'Engineering by first segment name',
  });
  assert.deepEqual(proposal.rows.map((r) => r.label), ['000000', '100-000 Administration', '200010 Sales - Headquarters', '300000 Operations', '400020 Engineering - East Coast']);
  assert.deepEqual(proposal.targets.map((t) => t.value), ['100000 Admin', 'Engineering', 'Marketing', 'Operations', 'Sales']);
});

test("a department's short name counts as its code; archived departments are never proposed nor offered", () => {
  const proposal = suggestDepartments([sub('200-010', 'Sales HQ'), sub('300000', 'Operations')], [dept('Sales HQ office', { code: '200010' }), dept('Operations', { active: false })], {});
  assert.deepEqual(proposal.rows.map((r) => r.suggestion), [{ value: 'Sales HQ office', by: 'code' }, null]);
  assert.deepEqual(proposal.targets, [{ value: 'Sales HQ office', label: 'Sales HQ office (200010)' }]);
});

test('several equal candidates make no suggestion and are named; a code match wins over a name match', () => {
  const proposal = suggestDepartments(
    [sub('500000', 'Support'), sub('600000', 'Finance')],
    [dept('Support'), dept('500000 Help desk'), dept('600000'), dept('600-000 Finance team')],
    {},
  );
  assert.deepEqual(proposal.rows[0]!.suggestion, { value: '500000 Help desk', by: 'code' });
  assert.equal(proposal.rows[1]!.suggestion, null);
  assert.deepEqual(proposal.rows[1]!.ambiguous, ['600000', '600-000 Finance team']);
});

test('mapped subaccounts keep their entry and get no suggestion; an entry naming a department BILL lacks is flagged', () => {
  const proposal = suggestDepartments([sub('200010', 'Sales - HQ'), sub('300000', 'Operations'), sub('400000', 'Engineering', false)], [dept('Sales'), dept('Operations'), dept('Engineering')], {
    '200010': 'Marketing',
    '300000': ' operations ',
  });
  const [sales, ops, eng] = proposal.rows;
  assert.deepEqual([sales!.current, sales!.currentMissing, sales!.suggestion], ['Marketing', true, null]);
  assert.deepEqual([ops!.current, ops!.currentMissing, ops!.suggestion], [' operations ', false, null]);
  assert.deepEqual([eng!.active, eng!.suggestion], [false, { value: 'Engineering', by: 'name' }], 'an inactive subaccount may still be on bills');
  assert.deepEqual(proposal.stale, []);
  const typed = suggestDepartments([sub('000100', 'Default - HQ')], [dept('Sales')], { '000-100': 'Sales' });
  assert.deepEqual(typed.stale, [{ value: '000-100', target: 'Sales' }], 'a key written with its separator matches no line and is named');
  assert.equal(typed.rows[0]!.current, null, 'the subaccount itself is still unmapped');
});

test('confirming writes the suggestions asked for into the setting, refuses unknown or unsuggested values, and validates', () => {
  const link: Link = {
    name: 'acu', pair: 'acumatica-bill', erpSystem: 'acumatica', erpConnectionId: 'acu', billConnectionId: 'bill',
    settings: acumaticaBillSettingsSchema.parse({ cashAccount: '10100', subaccountDepartments: { '300000': 'Operations' } }),
  };
  assert.deepEqual(valueMapsOf(link).map((m) => m.setting), ['subaccountDepartments']);
  assert.deepEqual(valueMapsOf({ name: 'x', pair: 'xero-bill' }), [], 'a pair without value maps offers none');
  const proposal = suggestDepartments([sub('200010', 'Sales - HQ'), sub('300000', 'Operations'), sub('400000', 'Engineering'), sub('000000', 'Default')], [dept('Sales'), dept('Operations'), dept('Engineering')], { '300000': 'Operations' });
  assert.deepEqual(suggestedEntries(proposal), { ok: true, entries: { '200010': 'Sales', '400000': 'Engineering' } });
  assert.deepEqual(suggestedEntries(proposal, ['400000']), { ok: true, entries: { '400000': 'Engineering' } });
  assert.deepEqual(suggestedEntries(proposal, ['999999', '400000']), { ok: false, message: 'no such value: 999999' });
  assert.match(String((suggestedEntries(proposal, ['000000', '300000']) as { message: string }).message), /no suggestion to confirm for 000000, 300000/);

  const saved = settingsWithEntries(link, 'subaccountDepartments', { '400000': 'Engineering', '300000': null });
  assert.ok(saved.ok);
  assert.deepEqual(saved.settings.subaccountDepartments, { '400000': 'Engineering' });
  assert.equal(saved.settings.cashAccount, '10100', 'other settings are kept');
  assert.deepEqual(link.settings.subaccountDepartments, { '300000': 'Operations' }, 'the link itself is not changed');
  const bad = settingsWithEntries(link, 'subaccountDepartments', { '400000': ' ' });
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.ok ? null : bad.problem.path, ['subaccountDepartments', '400000']);
  assert.throws(() => settingsWithEntries(link, 'cashAccount', {}), /has no value map 'cashAccount'/);
});
