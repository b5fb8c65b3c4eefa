import { ConnectorError } from '../../core/errors.ts';
import type { ValueMapDefinition } from '../../engine/pair.ts';
import type { Department } from '../../model/types.ts';
import { suggestDepartments, type SubaccountEntry } from './department-suggestions.ts';
import { acumaticaBillSettingsOf } from './settings.ts';

/**
 * A subaccount as the Acumatica port lists it (systems/acumatica/to-model.ts): id = SubaccountCD,
 * name = the code followed by the description; the description alone is what names compare.
 */
function subaccountEntry(d: Department): SubaccountEntry {
  const description = d.name.startsWith(`${d.id} `) ? d.name.slice(d.id.length + 1) : d.name === d.id ? null : d.name;
  return { code: d.id, description, active: d.active };
}

/**
 * Acumatica subaccounts → BILL departments (issue: each subaccount mapped through an explicit
 * value map in the link settings, with a suggested mapping by code and name that a person
 * confirms). The map is the `subaccountDepartments` setting.
 */
export const subaccountDepartmentMap: ValueMapDefinition = {
  setting: 'subaccountDepartments',
  from: 'Acumatica subaccount',
  to: 'BILL department',
  note: 'Once any subaccount is mapped, a bill with a line on a subaccount the map leaves out fails, naming the subaccount, instead of reaching BILL without a department.',
  async suggest(link, sides) {
    const [erp, bill] = [sides.erp.departments, sides.bill.departments];
    if (!erp || !bill) throw new ConnectorError({ code: 'MLC_ERR_BUG', message: `link '${link.name}': a side of the Acumatica ⇄ BILL pair cannot list its subaccounts or departments` });
    const [subaccounts, departments] = await Promise.all([erp.list(), bill.list()]);
    return suggestDepartments(subaccounts.map(subaccountEntry), departments, acumaticaBillSettingsOf(link).subaccountDepartments);
  },
};
