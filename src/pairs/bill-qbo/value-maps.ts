import { ConnectorError } from '../../core/errors.ts';
import { matchAccounts } from '../../flows/erp-to-bill/match-accounts.ts';
import { nameKey } from '../../flows/types.ts';
import type { ValueMapDefinition, ValueMapProposal } from '../../engine/pair.ts';
import type { GlAccount } from '../../model/types.ts';
import { billQboSettingsOf } from './settings.ts';

const accountLabel = (a: GlAccount): string => (a.code ? `${a.code} ${a.name}` : a.name);

/**
 * Proposes a value map from source entries to target entries: each source value with what the map
 * says now and, for the unmapped ones, the candidate `propose` finds. Pure.
 */
export function proposeMap<S extends { id: string; active: boolean }, T extends { id: string; active: boolean }>(
  source: readonly S[], target: readonly T[], map: Readonly<Record<string, string>>, labelOf: { source(s: S): string; target(t: T): string },
  propose: (unmapped: readonly S[], targets: readonly T[]) => Map<string, { value: string; by: string }>,
): ValueMapProposal {
  const targets = target.filter((t) => t.active);
  const targetIds = new Set(targets.map((t) => t.id));
  const unmapped = source.filter((s) => s.active && !map[s.id]);
  const proposals = propose(unmapped, targets);
  const sourceIds = new Set(source.map((s) => s.id));
  return {
    rows: source.map((s) => ({
      value: s.id, label: labelOf.source(s), active: s.active,
      current: map[s.id] ?? null, currentMissing: Boolean(map[s.id] && !targetIds.has(map[s.id]!)),
      suggestion: proposals.get(s.id) ?? null, ambiguous: [],
    })),
    targets: targets.map((t) => ({ value: t.id, label: labelOf.target(t) })),
    stale: Object.entries(map).filter(([k]) => !sourceIds.has(k)).map(([value, t]) => ({ value, target: t })),
  };
}

/** BILL accounts → QBO accounts (`accountMap`), suggested by number, then name. */
export const accountValueMap: ValueMapDefinition = {
  setting: 'accountMap',
  from: 'BILL account',
  to: 'QuickBooks Online account',
  note: 'QuickBooks owns its chart: a bill with a line on a BILL account that maps to no QuickBooks account fails, naming it, until it is mapped here (several BILL accounts may share one QuickBooks account).',
  async suggest(link, sides) {
    const [billAccounts, qboAccounts] = await Promise.all([sides.bill.chart.list(), sides.erp.chart.list()]);
    return proposeMap(billAccounts, qboAccounts, billQboSettingsOf(link).accountMap, { source: accountLabel, target: accountLabel }, (unmapped, targets) =>
      new Map(matchAccounts(unmapped, targets).matches.map((m) => [m.sourceId, { value: m.targetId, by: m.by }])));
  },
};

/** BILL departments → QBO classes or departments (`departmentMap`), suggested by name. */
export const departmentValueMap: ValueMapDefinition = {
  setting: 'departmentMap',
  from: 'BILL department',
  to: 'QuickBooks Online class or department',
  note: 'A bill line on a BILL department with no entry here and no QuickBooks class or department of the same name fails its bill, naming the department.',
  async suggest(link, sides) {
    const [bill, ledger] = [sides.bill.departments, sides.erp.departments];
    if (!bill || !ledger) throw new ConnectorError({ code: 'MLC_ERR_BUG', message: `link '${link.name}': a side of the BILL → QuickBooks Online pair cannot list its departments` });
    const [billDepartments, ledgerDepartments] = await Promise.all([bill.list(), ledger.list()]);
    return proposeMap(billDepartments, ledgerDepartments, billQboSettingsOf(link).departmentMap, { source: (d) => d.name, target: (d) => d.name }, (unmapped, targets) => {
      const byName = new Map(targets.map((t) => [nameKey(t.name), t.id]));
      return new Map(unmapped.flatMap((d) => (byName.has(nameKey(d.name)) ? [[d.id, { value: byName.get(nameKey(d.name))!, by: 'name' }] as const] : [])));
    });
  },
};
