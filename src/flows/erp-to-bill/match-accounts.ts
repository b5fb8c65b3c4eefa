import type { GlAccount } from '../../model/types.ts';
import { nameKey } from '../types.ts';

export interface AccountMatch {
  sourceId: string;
  targetId: string;
  by: 'code' | 'name' | 'created' | 'map';
}

export interface AccountMatching {
  matches: AccountMatch[];
  /** Source accounts with no counterpart on the target. */
  unmatched: GlAccount[];
}

const codeKey = (code: string | null): string | null => (code && code.trim() ? code.trim().toUpperCase() : null);

/**
 * Matches the ERP chart of accounts to BILL's: first by account code/number, then by name. Archived
 * target accounts never match (nothing may post to them), and one target account is matched at most
 * once so two ledger accounts cannot silently collapse into one.
 */
export function matchAccounts(source: readonly GlAccount[], target: readonly GlAccount[]): AccountMatching {
  const activeTargets = target.filter((t) => t.active);
  const byCode = new Map<string, GlAccount>();
  const byName = new Map<string, GlAccount>();
  for (const t of activeTargets) {
    const code = codeKey(t.code);
    if (code && !byCode.has(code)) byCode.set(code, t);
    const name = nameKey(t.name);
    if (!byName.has(name)) byName.set(name, t);
  }
  const used = new Set<string>();
  const matches: AccountMatch[] = [];
  const unmatched: GlAccount[] = [];
  const pending: GlAccount[] = [];
  for (const s of source) {
    const code = codeKey(s.code);
    const hit = code ? byCode.get(code) : undefined;
    if (hit && !used.has(hit.id)) {
      used.add(hit.id);
      matches.push({ sourceId: s.id, targetId: hit.id, by: 'code' });
    } else pending.push(s);
  }
  for (const s of pending) {
    const hit = byName.get(nameKey(s.name));
    if (hit && !used.has(hit.id)) {
      used.add(hit.id);
      matches.push({ sourceId: s.id, targetId: hit.id, by: 'name' });
    } else unmatched.push(s);
  }
  return { matches, unmatched };
}
