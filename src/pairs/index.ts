import { ConnectorError } from '../core/errors.ts';
import type { Link, LinkSettings, PairId } from '../model/link.ts';
import type { PairDefinition } from '../engine/pair.ts';
import { acumaticaBill } from './acumatica-bill/index.ts';
import { billQbo } from './bill-qbo/index.ts';
import { xeroBill } from './xero-bill/index.ts';

/** The pairs this installation can run, by id (docs/architecture.md, "How to add a pair"). */
export const pairDefinitions: Partial<Readonly<Record<PairId, PairDefinition>>> = { 'xero-bill': xeroBill, 'acumatica-bill': acumaticaBill, 'bill-qbo': billQbo };

/** The definition of a link's pair; a pair this version does not have is a configuration error naming it. */
export function pairOf(link: Pick<Link, 'name' | 'pair'>): PairDefinition {
  const pair = pairDefinitions[link.pair];
  if (!pair) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `link '${link.name}' runs the pair '${link.pair}', which this version cannot sync yet` });
  return pair;
}

/** The first thing wrong with settings for a pair: the path of the field (an unknown key is named itself) and why. */
export interface SettingsProblem {
  path: string[];
  message: string;
}

/**
 * Validates a link's settings by its pair's schema, defaults filled in. A pair this version does
 * not have is refused as by `pairOf`.
 */
export function parsePairSettings(link: Pick<Link, 'name' | 'pair'>, input: unknown): { ok: true; settings: LinkSettings } | { ok: false; problem: SettingsProblem } {
  const parsed = pairOf(link).settings.safeParse(input ?? {});
  if (parsed.success) return { ok: true, settings: parsed.data as LinkSettings };
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys[0]) path.push(issue.keys[0]);
  return { ok: false, problem: { path, message: issue.message } };
}
