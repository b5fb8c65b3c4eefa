import { ConnectorError } from '../../core/errors.ts';
import { systemDisplayNames } from '../../model/types.ts';
import { systemSpecs } from '../../systems/registry.ts';
import { systemIds, type SystemId } from '../../systems/types.ts';
import { acumaticaSystem } from './acumatica.ts';
import { billSystem } from './bill.ts';
import { qboSystem } from './qbo.ts';
import type { SystemEntry } from './types.ts';
import { xeroSystem } from './xero.ts';

export type { SideDeps, SystemEntry } from './types.ts';

/**
 * The systems this installation connects, by id: everything at the edges (sides of a link, ping,
 * webhooks, connect pages and command, reconnect advice) reads an entry here instead of naming a
 * system. Adding QuickBooks Online or Acumatica adds an entry (one file beside these) and removes
 * its id from `notYetSupported`; tests/app/registry.test.ts checks every entry is complete.
 */
export const registeredSystems: Readonly<Partial<Record<SystemId, SystemEntry>>> = { xero: xeroSystem, qbo: qboSystem, bill: billSystem, acumatica: acumaticaSystem };

/** Ids the model knows (systemIds) that have no entry yet, said so explicitly. */
export const notYetSupported: readonly SystemId[] = [];

/** The registered entries in the order of systemIds (ERPs before the hub as listed there). */
export function registeredEntries(): SystemEntry[] {
  return systemIds.flatMap((id) => (registeredSystems[id] ? [registeredSystems[id]] : []));
}

export function systemEntry(id: string): SystemEntry | undefined {
  return (registeredSystems as Partial<Record<string, SystemEntry>>)[id];
}

/** The entry of `id`, or MLC_ERR_CONFIG saying this version cannot use that system yet. */
export function requireSystem(id: string, what = `system '${id}'`): SystemEntry {
  const entry = systemEntry(id);
  if (!entry) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `${what} is not supported by this version` });
  return entry;
}

/** "Xero", "BILL": the spec's display name (the model's for systems without a spec yet), else the id. */
export function displayName(id: string): string {
  return systemSpecs[id as SystemId]?.displayName ?? systemDisplayNames[id as SystemId] ?? id;
}
