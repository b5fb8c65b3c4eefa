import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Dashboard } from './context.ts';

/** The stylesheet and script, read once at start; the ETag lets browsers revalidate cheaply. */
const files = {
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
} as const;

export function serveAssets({ app }: Dashboard): void {
  for (const [name, type] of Object.entries(files)) {
    const body = readFileSync(new URL(`./assets/${name}`, import.meta.url));
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    app.get(`/assets/${name}`, async (request, reply) => {
      reply.header('cache-control', 'no-cache').header('etag', etag);
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.type(type).send(body);
    });
  }
}
