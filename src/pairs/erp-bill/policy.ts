import { matchAccounts } from '../../flows/erp-to-bill/match-accounts.ts';
import type { Link } from '../../model/link.ts';
import type { AccountPolicy, PairDefinition } from '../../engine/pair.ts';

/**
 * The chart policy of an ERP → BILL pair: the ledger's accounts matched to BILL's (code, then name)
 * and those bills use created in BILL when the link's settings allow it.
 */
export const erpToBillAccounts = (mayCreate: (link: Link) => boolean): AccountPolicy => ({
  from: 'erp',
  to: 'bill',
  policy: 'create-missing',
  match: matchAccounts,
  mayCreate,
});

/** What inbound events re-read in an ERP → BILL pair. */
export const erpToBillTriggers: PairDefinition['triggers'] = [
  // The ledger names its vendors and bills by id (a webhook, a push notification, a poll).
  { side: 'erp', entity: 'vendor', step: 'vendor', mode: 'ids' },
  { side: 'erp', entity: 'bill', step: 'bill', mode: 'ids' },
  // A BILL event names the payment; the delta reads its applications in order, the cursor moving only with the posts it covers.
  { side: 'bill', entity: 'payment', step: 'payment', mode: 'delta' },
];
