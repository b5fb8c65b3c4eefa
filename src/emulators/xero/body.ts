import type { FastifyInstance } from 'fastify';

/**
 * Request bodies. JSON that does not parse is kept as a marker so the API can answer Xero's
 * ErrorNumber 14 PostDataInvalidException (A7b) instead of a framework error, and a body over
 * Xero's 3.5 MB limit (XLO) is kept as a marker for a 413. The token endpoints take form bodies.
 */

export const XERO_MAX_BODY_BYTES = 3.5 * 1024 * 1024;

export class MalformedBody {
  constructor(readonly detail: string) {}
}

export class OversizedBody {
  constructor(readonly bytes: number) {}
}

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 16 * 1024 * 1024 }, (_req, body, done) => {
    const text = String(body);
    const bytes = Buffer.byteLength(text);
    if (bytes > XERO_MAX_BODY_BYTES) return done(null, new OversizedBody(bytes));
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(null, new MalformedBody(e instanceof Error ? e.message : String(e)));
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
}
