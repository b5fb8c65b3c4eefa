import { matchAccounts } from '../../flows/xero-to-bill/match-accounts.ts';
import type { PairDefinition } from '../../engine/pair.ts';
import { billStep } from './bills.ts';
import { paymentStep } from './payments.ts';
import { reconcileXeroBill } from './reconcile.ts';
import { xeroBillSettingsOf, xeroBillSettingsSchema } from './settings.ts';
import { vendorStep } from './vendors.ts';

/**
 * Xero ⇄ BILL: Xero's chart matched to BILL's (and accounts bills use created in BILL when the
 * link allows it), suppliers become BILL vendors, approved unpaid ACCPAY bills become BILL bills,
 * and BILL payments are posted back against the original Xero bill.
 */
export const xeroBill: PairDefinition = {
  id: 'xero-bill',
  erp: 'xero',
  hub: 'bill',
  accounts: {
    from: 'erp',
    to: 'bill',
    policy: 'create-missing',
    match: matchAccounts,
    mayCreate: (link) => xeroBillSettingsOf(link).accountPolicy === 'create',
  },
  steps: [vendorStep, billStep, paymentStep],
  triggers: [
    { side: 'erp', entity: 'vendor', step: 'vendor', mode: 'ids' },
    { side: 'erp', entity: 'bill', step: 'bill', mode: 'ids' },
    // A BILL event names the payment; the delta reads its applications in order, the cursor moving only with the posts it covers.
    { side: 'bill', entity: 'payment', step: 'payment', mode: 'delta' },
  ],
  settings: xeroBillSettingsSchema,
  reconcile: reconcileXeroBill,
};
