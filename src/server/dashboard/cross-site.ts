import type { FastifyReply, FastifyRequest } from 'fastify';

const hostOf = (origin: string): string | null => {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
};

/**
 * Refuses a cross-site form post: a POST whose `Origin` names another host than the one it was sent
 * to (an unreadable Origin, such as "null", counts as foreign). It is a second guard beside the
 * SameSite=Strict session cookie and the CSRF token, for every page that takes forms: the
 * dashboard and the connect pages register it as an `onRequest` hook. A request without Origin
 * (curl with the API token, older browsers on same-origin posts) is left to those other guards.
 */
export async function refuseCrossSitePost(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (request.method !== 'POST') return undefined;
  const origin = request.headers.origin;
  if (origin && hostOf(origin) !== request.headers.host) return reply.code(403).type('text/plain').send('Cross-site form posts are refused.');
  return undefined;
}
