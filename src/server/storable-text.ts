import type { FastifyInstance } from 'fastify';

/**
 * Refuses, before any route runs, a request whose path parameters, query or parsed body hold text
 * the database cannot store: PostgreSQL's text and jsonb types refuse the NUL character (0x00), and
 * a lone UTF-16 surrogate has no UTF-8 form. Left to reach a query, such a value failed in the
 * database's encoding check and answered 500; here it is a 400 naming the parameter, never echoing
 * its value (it may be a secret). Raw bodies (webhooks' Buffers) are left to their routes.
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` cannot be stored, or null when it can. */
export function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character, which cannot be stored';
  if (LONE_SURROGATE.test(text)) return 'contains text that is not valid Unicode (a lone surrogate), which cannot be stored';
  return null;
}

/** A key as it is shown in a field name: itself, or JSON-quoted when it has characters of its own to hide. */
const keyName = (key: string): string => (/^[\w$-]+$/.test(key) ? key : JSON.stringify(key));

/**
 * The first value under `root` (strings, arrays and plain objects, keys included) that cannot be
 * stored, as `{ field, reason }` with the field named the way the API's validation errors name
 * them ("body.settings.pollCron", "querystring.id"). Iterative, so a deeply nested body cannot
 * exhaust the stack.
 */
export function findUnstorable(context: string, root: unknown): { field: string; reason: string } | null {
  const stack: { value: unknown; field: string }[] = [{ value: root, field: context }];
  while (stack.length > 0) {
    const { value, field } = stack.pop()!;
    if (typeof value === 'string') {
      const reason = unstorableText(value);
      if (reason) return { field, reason };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i -= 1) stack.push({ value: value[i], field: `${field}.${i}` });
    } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !ArrayBuffer.isView(value)) {
      const entries = Object.entries(value as Record<string, unknown>);
      for (const [key] of entries) {
        const reason = unstorableText(key);
        if (reason) return { field, reason: `a key ${reason}` };
      }
      for (let i = entries.length - 1; i >= 0; i -= 1) {
        const [key, v] = entries[i]!;
        stack.push({ value: v, field: `${field}.${keyName(key)}` });
      }
    }
  }
  return null;
}

/** Adds the check to every route registered after it on `app` (the API, webhooks, connect pages and dashboard). */
export function refuseUnstorableText(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    const bad =
      findUnstorable('params', request.params) ?? findUnstorable('querystring', request.query) ?? findUnstorable('body', request.body);
    if (!bad) return;
    return reply.code(400).send({ error: { code: 'bad_request', message: `${bad.field}: ${bad.reason}`, field: bad.field } });
  });
}
