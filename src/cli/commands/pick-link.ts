import { listLinks, getLink } from '../../store/repos/links.ts';
import type { Db } from '../../store/db.ts';
import type { Link } from '../../model/link.ts';
import { UsageError } from '../args.ts';

/** The named link, or the only one when no name is given. */
export async function pickLinks(db: Db, name: string | undefined): Promise<Link[]> {
  if (name) {
    const link = await getLink(db, name);
    if (!link) throw new UsageError(`no link named '${name}' (see 'ml-connector status')`);
    return [link];
  }
  const links = await listLinks(db);
  if (links.length === 0) throw new UsageError("no link yet: create one with 'ml-connector link create'");
  return links;
}
