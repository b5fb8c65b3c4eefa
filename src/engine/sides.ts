import type { Link } from '../model/link.ts';
import { closeSides, type LinkSides } from './ports.ts';
import type { EngineDeps } from './sync.ts';

/**
 * Opens a link's two sides for `use` and closes them after, whatever happened: a read outside a
 * run (a dashboard page) must not leave a licence-counted login session open.
 */
export async function withLinkSides<T>(deps: Pick<EngineDeps, 'open' | 'log'>, link: Link, use: (sides: LinkSides) => Promise<T>): Promise<T> {
  const sides = await deps.open(link);
  try {
    return await use(sides);
  } finally {
    await closeSides(sides, (system, e) => deps.log.warn({ link: link.name, system, err: String(e) }, 'could not close the connection after reading it'));
  }
}
