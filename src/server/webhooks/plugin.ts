import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ServerServices } from '../contract.ts';
import { receiveWebhook } from './receive.ts';

export interface WebhooksPluginOptions {
  services: ServerServices;
  /** Largest body accepted, in bytes (default 1 MB); larger ones are answered 413 unread. */
  bodyLimit?: number;
}

/**
 * Webhooks in: POST /webhooks/:system for every system of the registry with a receiver, and
 * POST /webhooks/:system/:tenant for those whose receiver takes a tenant in its URL; any other is
 * 404. Senders sign the raw body, so this plugin replaces every body parser in its own scope with
 * one that keeps the bytes as received (capped), and the receiver checks the signature before
 * parsing. Answers carry no body and set no cookies
 * (Xero's intent-to-receive checks both). Registered without fastify-plugin, so the parser does
 * not leak into the rest of the server.
 */
export const webhooksPlugin: FastifyPluginAsync<WebhooksPluginOptions> = async (app: FastifyInstance, options) => {
  const { services } = options;
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));

  app.post<{ Params: { system: string } }>('/webhooks/:system', { bodyLimit }, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const outcome = await receiveWebhook(services, request.params.system, raw, request.headers);
    return reply.code(outcome.status).send();
  });
  // A tenant in the URL (one endpoint per company at the vendor): the receiver holds every event to it.
  app.post<{ Params: { system: string; scope: string } }>('/webhooks/:system/:scope', { bodyLimit }, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const scope = request.params.scope;
    if (scope.length === 0 || scope.length > 200) return reply.code(404).send();
    const outcome = await receiveWebhook(services, request.params.system, raw, request.headers, scope);
    return reply.code(outcome.status).send();
  });
};
