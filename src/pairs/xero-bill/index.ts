import { ConnectorError } from '../../core/errors.ts';
import { nameKey } from '../../flows/types.ts';
import type { PairDefinition } from '../../engine/pair.ts';
import { billStepWith, type DepartmentRule } from '../erp-bill/bills.ts';
import { paymentStepWith } from '../erp-bill/payments.ts';
import { erpToBillAccounts, erpToBillTriggers } from '../erp-bill/policy.ts';
import { reconcileErpBill } from '../erp-bill/reconcile.ts';
import { vendorStep } from '../erp-bill/vendors.ts';
import { xeroBillSettingsOf, xeroBillSettingsSchema } from './settings.ts';

/** The options of the Xero tracking category the link names go to BILL departments of the same name. */
const trackingCategoryToDepartment: DepartmentRule = {
  appliesTo: (link) => xeroBillSettingsOf(link).departmentCategory !== null,
  departmentOf(link, line) {
    const category = xeroBillSettingsOf(link).departmentCategory;
    const tracked = category ? line.dimensions.find((d) => nameKey(d.category) === nameKey(category)) : undefined;
    return tracked?.option ?? null;
  },
};

/**
 * Xero ⇄ BILL: Xero's chart matched to BILL's (and accounts bills use created in BILL when the
 * link allows it), suppliers become BILL vendors, approved unpaid ACCPAY bills become BILL bills,
 * and BILL payments are posted back against the original Xero bill on the link's payment account.
 */
export const xeroBill: PairDefinition = {
  id: 'xero-bill',
  erp: 'xero',
  hub: 'bill',
  accounts: erpToBillAccounts((link) => xeroBillSettingsOf(link).accountPolicy === 'create'),
  steps: [
    vendorStep,
    billStepWith(trackingCategoryToDepartment),
    paymentStepWith((ctx) => {
      const account = xeroBillSettingsOf(ctx.link).paymentAccount;
      if (!account) {
        throw new ConnectorError({
          code: 'MLC_ERR_CONFIG',
          message: `link '${ctx.link.name}' has no payment account: set one with 'ml-connector link update --name ${ctx.link.name} --payment-account <code>'`,
        });
      }
      return account;
    }),
  ],
  triggers: erpToBillTriggers,
  settings: xeroBillSettingsSchema,
  reconcile: reconcileErpBill,
};
