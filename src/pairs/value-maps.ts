import { ConnectorError } from '../core/errors.ts';
import type { Link, LinkSettings } from '../model/link.ts';
import type { ValueMapDefinition, ValueMapProposal } from '../engine/pair.ts';
import type { LinkSides } from '../engine/ports.ts';
import { withLinkSides } from '../engine/sides.ts';
import type { EngineDeps } from '../engine/sync.ts';
import { pairOf, parsePairSettings, type SettingsProblem } from './index.ts';

/** One value map of a link with its proposal, as the CLI, the API and the dashboard show it. */
export interface ValueMapSuggestions extends ValueMapProposal {
  setting: string;
  from: string;
  to: string;
  note: string;
}

/** The value maps the link's pair declares (none for most pairs). */
export function valueMapsOf(link: Pick<Link, 'name' | 'pair'>): readonly ValueMapDefinition[] {
  return pairOf(link).valueMaps ?? [];
}

/**
 * Reads both sides of the link once and proposes every value map its pair declares; writes
 * nothing. A pair without value maps opens no connection.
 */
export async function suggestValueMaps(deps: Pick<EngineDeps, 'open' | 'log'>, link: Link): Promise<ValueMapSuggestions[]> {
  if (valueMapsOf(link).length === 0) return [];
  return withLinkSides(deps, link, (sides) => proposeValueMaps(link, sides));
}

/** The same over sides the caller opened (and closes): a page that reads more than the maps opens them once. */
export function proposeValueMaps(link: Link, sides: LinkSides): Promise<ValueMapSuggestions[]> {
  return Promise.all(valueMapsOf(link).map(async (m) => ({ setting: m.setting, from: m.from, to: m.to, note: m.note, ...(await m.suggest(link, sides)) })));
}

/**
 * The entries a confirmation of suggestions writes: each suggested row (rows already mapped have
 * none), or only those named in `only`. A name in `only` that is not a source value, or has no
 * suggestion, is refused by name, so a typo never passes for a confirmation.
 */
export function suggestedEntries(map: ValueMapProposal, only?: readonly string[]): { ok: true; entries: Record<string, string> } | { ok: false; message: string } {
  const byValue = new Map(map.rows.map((r) => [r.value, r]));
  const unknown = (only ?? []).filter((v) => !byValue.has(v));
  if (unknown.length > 0) return { ok: false, message: `no such value: ${unknown.join(', ')}` };
  const without = (only ?? []).filter((v) => !byValue.get(v)!.suggestion);
  if (without.length > 0) return { ok: false, message: `no suggestion to confirm for ${without.join(', ')} (mapped already, or no single candidate)` };
  const wanted = only ? new Set(only) : null;
  const entries: Record<string, string> = {};
  for (const r of map.rows) if (r.suggestion && (!wanted || wanted.has(r.value))) entries[r.value] = r.suggestion.value;
  return { ok: true, entries };
}

/**
 * The link's settings with confirmed entries written into the map held by `setting` (null removes
 * an entry), validated by the pair's schema like any settings change.
 */
export function settingsWithEntries(
  link: Pick<Link, 'name' | 'pair' | 'settings'>,
  setting: string,
  entries: Readonly<Record<string, string | null>>,
): { ok: true; settings: LinkSettings } | { ok: false; problem: SettingsProblem } {
  if (!valueMapsOf(link).some((m) => m.setting === setting)) {
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `link '${link.name}' (${link.pair}) has no value map '${setting}'` });
  }
  const stored = (link.settings as Record<string, unknown>)[setting];
  const map: Record<string, unknown> = { ...(stored && typeof stored === 'object' ? stored : {}) };
  for (const [key, value] of Object.entries(entries)) {
    if (value === null) delete map[key];
    else map[key] = value;
  }
  return parsePairSettings(link, { ...link.settings, [setting]: map });
}
