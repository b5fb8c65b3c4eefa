import type { Link } from '../model/link.ts';
import type { LinkSides } from '../engine/ports.ts';
import { pairOf } from '../pairs/index.ts';
import { requireSystem } from './systems/index.ts';
import type { SideDeps } from './systems/types.ts';

export type { SideDeps } from './systems/types.ts';
export { openXeroClient, type XeroConnectionConfig } from './systems/xero.ts';
export { openBillClient, type BillConnectionConfig } from './systems/bill.ts';

/**
 * Opens both sides of a link as the engine's ports, each through the registry entry of the system
 * its pair puts there: the ledger on the ERP connection, the hub on the BILL connection, each with
 * the options the pair derives from the link's settings.
 */
export async function openLinkSides(deps: SideDeps, link: Link): Promise<LinkSides> {
  const pair = pairOf(link);
  const erp = requireSystem(pair.erp, `link '${link.name}' uses ${pair.erp}, which`);
  const hub = requireSystem(pair.hub, `the payables hub ${pair.hub} of link '${link.name}'`);
  const options = pair.sideOptions?.(link) ?? {};
  return { erp: await erp.openSide(deps, link.erpConnectionId, options.erp), bill: await hub.openSide(deps, link.billConnectionId, options.bill) };
}
