import { ConnectorError } from '../core/errors.ts';
import type { Link, PairId } from '../model/link.ts';
import type { PairDefinition } from '../engine/pair.ts';
import { xeroBill } from './xero-bill/index.ts';

/**
 * The pairs this installation can run, by id. Acumatica ⇄ BILL and BILL → QuickBooks Online join
 * here with their definitions (docs/architecture.md, "How to add a pair").
 */
export const pairDefinitions: Partial<Readonly<Record<PairId, PairDefinition>>> = { 'xero-bill': xeroBill };

/** The definition of a link's pair; a pair this version does not have is a configuration error naming it. */
export function pairOf(link: Pick<Link, 'name' | 'pair'>): PairDefinition {
  const pair = pairDefinitions[link.pair];
  if (!pair) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `link '${link.name}' runs the pair '${link.pair}', which this version cannot sync yet` });
  return pair;
}
