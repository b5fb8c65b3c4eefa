import { acumaticaSpec } from './acumatica/spec.ts';
import { billSpec } from './bill/spec.ts';
import { qboSpec } from './qbo/spec.ts';
import type { ErpSystemId, SystemId, SystemSpec } from './types.ts';
import { xeroSpec } from './xero/spec.ts';

/**
 * The systems this installation can connect, by id: what shared code (connection health, API
 * schemas) reads instead of naming a system.
 * What each system does at the edges (open its port, ping, webhooks, connect) is its entry in
 * src/app/systems/.
 */
export const systemSpecs: Partial<Readonly<Record<SystemId, SystemSpec>>> = { xero: xeroSpec, qbo: qboSpec, bill: billSpec, acumatica: acumaticaSpec };

/** The ledger a new link pairs with BILL when none is given: the first pair the product ships. */
export const defaultErpSystem: ErpSystemId = 'xero';

/** The payables hub every pair runs through (every id but the ERPs, see ErpSystemId). */
export const hubSystemId: Exclude<SystemId, ErpSystemId> = 'bill';
