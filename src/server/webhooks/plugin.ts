import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ServerServices } from '../contract.ts';
import { receiveBillWebhook } from './bill.ts';
import { receiveXeroWebhook, type WebhookOutcome } from './xero.ts';

export interface WebhooksPluginOptions {
  services: ServerServices;
  /** Largest body accepted, in bytes (default 1 MB); larger ones are answered 413 unread. */
  bodyLimit?: number;
}

/**
 * Webhooks in: POST /webhooks/xero and POST /webhooks/bill. Both senders sign the raw body, so this
 * plugin replaces every body parser in its own scope with one that keeps the bytes as received
 * (capped), and each handler checks the signature before parsing. Answers carry no body and set no
 * cookies (Xero's intent-to-receive checks both). Registered without fastify-plugin, so the parser
 * does not leak into the rest of the server.
 */
export const webhooksPlugin: FastifyPluginAsync<WebhooksPluginOptions> = async (app: FastifyInstance, options) => {
  const { services } = options;
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));

  const answer = (reply: FastifyReply, outcome: WebhookOutcome) => reply.code(outcome.status).send();
  const rawOf = (body: unknown): Buffer => (Buffer.isBuffer(body) ? body : Buffer.alloc(0));

  app.post('/webhooks/xero', { bodyLimit }, async (request, reply) =>
    answer(reply, await receiveXeroWebhook(services, rawOf(request.body), request.headers['x-xero-signature'])),
  );
  app.post('/webhooks/bill', { bodyLimit }, async (request, reply) =>
    answer(reply, await receiveBillWebhook(services, rawOf(request.body), request.headers['x-bill-sha-signature'])),
  );
};
