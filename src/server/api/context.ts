import type { Link } from '../../model/link.ts';
import { getConnection } from '../../store/repos/connections.ts';
import { getLink } from '../../store/repos/links.ts';
import { sendLinkWork as sendWork, type LinkWork, type ServerServices } from '../contract.ts';
import type { PollScheduler } from '../scheduler/index.ts';
import { HttpError, notFound } from './errors.ts';

/** What the API routes receive. */
export interface ApiContext {
  services: ServerServices;
  scheduler: PollScheduler;
}

export async function requireLink(ctx: ApiContext, name: string): Promise<Link> {
  const link = await getLink(ctx.services.db, name);
  if (!link) throw notFound(`link '${name}'`);
  return link;
}

/**
 * The API's only way to start work: a link-work job under the link's BILL-organisation key, which
 * a worker runs with the engine (there is no second way of syncing).
 */
export async function sendLinkWork(ctx: ApiContext, link: Link, work: LinkWork): Promise<string> {
  const bill = await getConnection(ctx.services.db, link.billConnectionId);
  if (!bill?.tenant_id) throw new HttpError(409, 'MLC_ERR_CONFIG', `link '${link.name}' has no connected BILL organisation (connection '${link.billConnectionId}')`);
  const id = await sendWork(ctx.services, link, work);
  if (!id) throw new HttpError(409, 'conflict', `the same work for link '${link.name}' is already waiting`);
  return id;
}
