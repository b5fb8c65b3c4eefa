import { matchAccounts, type AccountMatch } from '../../flows/erp-to-bill/match-accounts.ts';
import type { GlAccount } from '../../model/types.ts';
import type { Link } from '../../model/link.ts';
import type { AccountPolicy, PairDefinition } from '../../engine/pair.ts';
import { billQboSettingsOf } from './settings.ts';

/**
 * BILL's chart mapped to the ledger's, which owns it (map-only: nothing is ever created in either).
 * The accounts a person pinned in the link's `accountMap` come first, then number, then name among
 * the rest; a pin naming an account the ledger does not have (or has made inactive) pins nothing.
 */
export function matchPinnedThenByNumber(source: readonly GlAccount[], target: readonly GlAccount[], link?: Link): { matches: AccountMatch[] } {
  const pins = link ? billQboSettingsOf(link).accountMap : {};
  const active = new Set(target.filter((t) => t.active).map((t) => t.id));
  const pinned: AccountMatch[] = source.flatMap((s) => (pins[s.id] && active.has(pins[s.id]!) ? [{ sourceId: s.id, targetId: pins[s.id]!, by: 'map' }] : []));
  const pinnedSource = new Set(pinned.map((m) => m.sourceId));
  const pinnedTarget = new Set(pinned.map((m) => m.targetId));
  const rest = matchAccounts(source.filter((s) => !pinnedSource.has(s.id)), target.filter((t) => !pinnedTarget.has(t.id)));
  return { matches: [...pinned, ...rest.matches] };
}

export const billToLedgerAccounts: AccountPolicy = {
  from: 'bill',
  to: 'erp',
  policy: 'map-only',
  match: matchPinnedThenByNumber,
  mayCreate: () => false,
};

/**
 * What inbound events re-read in BILL → QBO: BILL names its vendors, bills and payments by id (a
 * payment's delta reads its applications in order, the cursor moving only with the records it
 * covers). QBO's own events ask for validation of what the connector wrote; the poll validates the
 * same steps over what QBO's change feed says changed, so a missed event is caught there.
 */
export const billToLedgerTriggers: PairDefinition['triggers'] = [
  { side: 'bill', entity: 'vendor', step: 'vendor', mode: 'ids' },
  { side: 'bill', entity: 'bill', step: 'bill', mode: 'ids' },
  { side: 'bill', entity: 'payment', step: 'payment', mode: 'delta' },
  // A QBO event names what a person changed in the books: the BILL side is re-read, what QBO holds is checked, and a
  // deleted, closed or edited record is raised as a conflict (systems/qbo webhooks: Vendor → vendor, PurchaseOrder and Bill → bill).
  { side: 'erp', entity: 'vendor', step: 'vendor', mode: 'validate' },
  { side: 'erp', entity: 'bill', step: 'bill', mode: 'validate' },
];
