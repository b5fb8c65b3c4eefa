import { nameKey } from '../../flows/types.ts';
import type { ValueMapProposal, ValueMapRow } from '../../engine/pair.ts';

/** An Acumatica subaccount as the suggestion reads it: its segmented code and its description. */
export interface SubaccountEntry {
  code: string;
  description: string | null;
  active: boolean;
}

/** A BILL department: the map names it by name (as the bill step resolves it); `code` is its short name where known. */
export interface DepartmentEntry {
  name: string;
  code?: string | null;
  active: boolean;
}

/** A segmented code compared without its separators and case: "200-010" and "200010" are one code. */
const codeKey = (code: string): string => code.normalize('NFKC').replace(/[\s\-._/]/g, '').toUpperCase();

/**
 * The ways a department may be found for a subaccount, most certain first. Each rule is tried
 * only when the ones before it found no candidate at all; one with several candidates stops the
 * search (a person chooses). Choices, as Acumatica and BILL leave the link between the two to the
 * customer:
 *  - code: the department's short name, its name, or its name's first word is the subaccount's
 *    code ("200-010", or "200-010 Sales HQ");
 *  - name: the department is named as the subaccount is described;
 *  - first segment name: a description composed per segment and joined by " - " (as in
 *    "Sales - Headquarters", department segment first) whose first part is the department's name.
 */
const rules: readonly { by: string; matches(s: SubaccountEntry, d: DepartmentEntry): boolean }[] = [
  {
    by: 'code',
    matches: (s, d) => {
      const code = codeKey(s.code);
      const firstWord = d.name.trim().split(/\s+/)[0] ?? '';
      return code !== '' && [d.code ?? '', d.name, firstWord].some((c) => codeKey(c) === code);
    },
  },
  { by: 'name', matches: (s, d) => Boolean(s.description?.trim()) && nameKey(s.description!) === nameKey(d.name) },
  {
    by: 'first segment name',
    matches: (s, d) => {
      const first = s.description?.split(' - ')[0]?.trim();
      return Boolean(first) && first !== s.description?.trim() && nameKey(first!) === nameKey(d.name);
    },
  },
];

/** The suggestion for one subaccount among the active departments. */
function suggestionFor(s: SubaccountEntry, departments: readonly DepartmentEntry[]): Pick<ValueMapRow, 'suggestion' | 'ambiguous'> {
  for (const rule of rules) {
    const found = departments.filter((d) => rule.matches(s, d));
    if (found.length === 1) return { suggestion: { value: found[0]!.name, by: rule.by }, ambiguous: [] };
    if (found.length > 1) return { suggestion: null, ambiguous: found.map((d) => d.name) };
  }
  return { suggestion: null, ambiguous: [] };
}

/**
 * Proposes subaccount → BILL department by code, then by name, for the subaccounts the link's map
 * leaves out; never applies anything (a person confirms). Subaccounts already mapped keep their
 * entry and get no suggestion; an entry naming a department BILL no longer has active is flagged,
 * and so is one whose key is no subaccount code as Acumatica gives it (the bill step looks codes
 * up as they are: an entry "000-100" never matches a line on "000100").
 * Pure: the pair reads both lists and the current map.
 */
export function suggestDepartments(
  subaccounts: readonly SubaccountEntry[],
  departments: readonly DepartmentEntry[],
  current: Readonly<Record<string, string>>,
): ValueMapProposal {
  const active = departments.filter((d) => d.active);
  const activeNames = new Set(active.map((d) => nameKey(d.name)));
  const rows = [...subaccounts]
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((s): ValueMapRow => {
      const mapped = current[s.code] ?? null;
      const label = s.description?.trim() ? `${s.code} ${s.description.trim()}` : s.code;
      const base = { value: s.code, label, active: s.active, current: mapped, currentMissing: mapped !== null && !activeNames.has(nameKey(mapped)) };
      return { ...base, ...(mapped !== null ? { suggestion: null, ambiguous: [] } : suggestionFor(s, active)) };
    });
  const targets = [...active].sort((a, b) => a.name.localeCompare(b.name)).map((d) => ({ value: d.name, label: d.code ? `${d.name} (${d.code})` : d.name }));
  const codes = new Set(subaccounts.map((s) => s.code));
  const stale = Object.entries(current).filter(([code]) => !codes.has(code)).map(([value, target]) => ({ value, target }));
  return { rows, targets, stale };
}
