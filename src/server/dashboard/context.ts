import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerServices } from '../contract.ts';
import type { PageContext } from './layout.ts';
import type { Session } from './session.ts';

/** What each route module receives from the plugin. */
export interface Dashboard {
  app: FastifyInstance;
  services: ServerServices;
  /** The plugin's URL prefix without a trailing slash ('' at the root). */
  base: string;
  /** The signed-in session of a request (every route but login and assets has one). */
  sessionOf(request: FastifyRequest): Session;
  pageContext(request: FastifyRequest, extra?: Partial<PageContext>): PageContext;
  /** Answers with a whole HTML page. */
  send(reply: FastifyReply, body: string, status?: number): FastifyReply;
  /** After a POST: see-other to a dashboard path, so reloading the result never re-sends the form. */
  redirect(reply: FastifyReply, path: string, query?: Record<string, string | null | undefined>): FastifyReply;
}

/** A form or query field as one string: repeated fields and non-strings count as absent. */
export function field(source: unknown, name: string): string | undefined {
  if (!source || typeof source !== 'object') return undefined;
  const v = (source as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}
