import { ConnectorError } from '../core/errors.ts';
import type { Link } from '../model/link.ts';
import type { ErpBillSource, PayablesHub } from '../engine/ports.ts';
import { hubSystemId } from '../systems/registry.ts';
import { systemEntry } from './systems/index.ts';
import type { SideDeps } from './systems/types.ts';

export type { SideDeps } from './systems/types.ts';
export { openXeroClient, type XeroConnectionConfig } from './systems/xero.ts';
export { openBillClient, type BillConnectionConfig } from './systems/bill.ts';

/** Opens both sides of a link as the engine's ports, each through its system's registry entry. */
export async function openLinkSides(deps: SideDeps, link: Link): Promise<{ erp: ErpBillSource; hub: PayablesHub }> {
  const erp = systemEntry(link.erpSystem);
  if (erp?.role !== 'erp') {
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `link '${link.name}' uses ${link.erpSystem}, which this version cannot sync yet` });
  }
  const hub = systemEntry(hubSystemId);
  if (hub?.role !== 'hub') throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `the payables hub ${hubSystemId} is not registered` });
  return { erp: await erp.openSide(deps, link.erpConnectionId), hub: await hub.openSide(deps, link.billConnectionId) };
}
