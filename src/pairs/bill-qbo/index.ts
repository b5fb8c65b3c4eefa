import { ConnectorError } from '../../core/errors.ts';
import type { PairDefinition } from '../../engine/pair.ts';
import type { PaymentAccountRef } from '../../engine/ports.ts';
import type { RunContext } from '../../engine/context.ts';
import { paymentStepWith } from '../erp-bill/payments.ts';
import { purchaseStep } from './bills.ts';
import { billToLedgerAccounts, billToLedgerTriggers } from './policy.ts';
import { reconcileBillLedger } from './reconcile.ts';
import { billQboSettingsOf, billQboSettingsSchema } from './settings.ts';
import { ledgerVendorStep } from './vendors.ts';
import { accountValueMap, departmentValueMap } from './value-maps.ts';

/** The QBO account BillPayments are paid from: `id:<Id>`, or its account number. */
function paymentAccountOf(ctx: RunContext): PaymentAccountRef {
  const account = billQboSettingsOf(ctx.link).paymentAccount;
  if (!account) {
    throw new ConnectorError({
      code: 'MLC_ERR_CONFIG',
      message: `link '${ctx.link.name}' has no payment account for BILL payments in QuickBooks Online: set one with 'ml-connector link update --name ${ctx.link.name} --setting paymentAccount=<account number or id:Id>'`,
    });
  }
  return account.startsWith('id:') ? { id: account.slice(3) } : { code: account };
}

/**
 * BILL → QuickBooks Online: BILL is the source and QBO the target and owner of the chart of
 * accounts. BILL vendors become QBO vendors (linked to one that already has the name, tax id or
 * email), BILL bills become PurchaseOrders (or Bills, per the link) on the mapped accounts, and
 * each BILL payment is recorded as a BillPayment against the Bill the PurchaseOrder becomes.
 */
export const billQbo: PairDefinition = {
  id: 'bill-qbo',
  erp: 'qbo',
  hub: 'bill',
  accounts: billToLedgerAccounts,
  // Payments are recorded on the link's own payments schedule (issue: default daily), not with every poll.
  steps: [ledgerVendorStep, purchaseStep, { ...paymentStepWith(paymentAccountOf, 'bill'), schedule: { setting: 'paymentsCron', defaultCron: '0 6 * * *' } }],
  triggers: billToLedgerTriggers,
  settings: billQboSettingsSchema,
  reconcile: reconcileBillLedger,
  valueMaps: [accountValueMap, departmentValueMap],
  sideOptions: (link) => {
    const { billsAs, departmentsAs } = billQboSettingsOf(link);
    return { erp: { billsAs, dimension: departmentsAs } };
  },
};
