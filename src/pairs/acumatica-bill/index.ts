import { ConnectorError } from '../../core/errors.ts';
import { subaccountDimension } from '../../model/types.ts';
import type { PairDefinition } from '../../engine/pair.ts';
import { billStepWith, type DepartmentRule } from '../erp-bill/bills.ts';
import { paymentStepWith } from '../erp-bill/payments.ts';
import { erpToBillAccounts, erpToBillTriggers } from '../erp-bill/policy.ts';
import { reconcileErpBill } from '../erp-bill/reconcile.ts';
import { vendorStep } from '../erp-bill/vendors.ts';
import { acumaticaBillSettingsOf, acumaticaBillSettingsSchema } from './settings.ts';
import { subaccountDepartmentMap } from './subaccount-map.ts';

/** A subaccount code as compared: Acumatica shows segments with separators ("200-010"), lines carry them bare ("200010"). */
const segmentKey = (code: string): string => code.replace(/[^0-9A-Za-z]/g, '').toUpperCase();

/** The map's entry for a subaccount: its exact key first, else the key that is the same code with other separators. */
export function mappedDepartment(map: Readonly<Record<string, string>>, subaccount: string): string | undefined {
  if (map[subaccount] !== undefined) return map[subaccount];
  const wanted = segmentKey(subaccount);
  return Object.entries(map).find(([key]) => segmentKey(key) === wanted)?.[1];
}

/**
 * Each line's subaccount goes to the BILL department the link's map names. A line on a subaccount
 * the map leaves out fails its bill rather than landing on no department.
 */
export const subaccountToDepartment: DepartmentRule = {
  appliesTo: (link) => Object.keys(acumaticaBillSettingsOf(link).subaccountDepartments).length > 0,
  departmentOf(link, line) {
    const subaccount = line.dimensions.find((d) => d.category === subaccountDimension)?.option;
    if (!subaccount) return null;
    const department = mappedDepartment(acumaticaBillSettingsOf(link).subaccountDepartments, subaccount);
    return department ?? {
      unmapped: `is on subaccount '${subaccount}', which link '${link.name}' maps to no BILL department: add it to the link's subaccountDepartments setting`,
    };
  },
};

/**
 * Acumatica ⇄ BILL: Acumatica's GL accounts matched to BILL's chart (created in BILL where the link
 * allows), subaccounts mapped to BILL departments, vendors of released AP bills become BILL
 * vendors, released bills (status Open) become BILL bills, and each BILL payment is recorded as an
 * Acumatica AP payment applied to the original bill on the link's cash account and payment method.
 */
export const acumaticaBill: PairDefinition = {
  id: 'acumatica-bill',
  erp: 'acumatica',
  hub: 'bill',
  accounts: erpToBillAccounts((link) => acumaticaBillSettingsOf(link).accountPolicy === 'create'),
  steps: [
    vendorStep,
    billStepWith(subaccountToDepartment),
    paymentStepWith((ctx) => {
      const { cashAccount, paymentMethod } = acumaticaBillSettingsOf(ctx.link);
      if (!cashAccount || !paymentMethod) {
        throw new ConnectorError({
          code: 'MLC_ERR_CONFIG',
          message: `link '${ctx.link.name}' needs ${!cashAccount ? 'a cash account' : 'a payment method'} for payments in Acumatica: set settings.cashAccount and settings.paymentMethod (PATCH /api/links/${ctx.link.name})`,
        });
      }
      return { cashAccount, paymentMethod };
    }),
  ],
  triggers: erpToBillTriggers,
  settings: acumaticaBillSettingsSchema,
  reconcile: reconcileErpBill,
  valueMaps: [subaccountDepartmentMap],
};
