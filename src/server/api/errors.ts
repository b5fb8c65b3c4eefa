import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ConnectorError } from '../../core/errors.ts';
import { redactText } from '../../core/redact.ts';
import type { Logger } from '../../core/log.ts';

/** A failure with its HTTP status and the JSON error body the API documents (errorSchema). */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', `${what} does not exist`);

/** "body" + "/settings/pollCron" → "body.settings.pollCron"; an unknown key is named itself. */
function fieldName(context: string | undefined, instancePath: string, unknownKeys: unknown): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (Array.isArray(unknownKeys) && typeof unknownKeys[0] === 'string') parts.push(unknownKeys[0]);
  return [context ?? 'request', ...parts].join('.');
}

const statusOf = (e: ConnectorError): number =>
  e.kind === 'needs_reauth' ? 409 : e.kind === 'conflict' ? 409 : e.kind === 'invalid_data' ? 400 : e.kind === 'retryable' || e.kind === 'rate_limited' ? 503 : 500;

/** The API's error handler: every failure answers `{ error: { code, message, field? } }`, secrets scrubbed. */
export function apiErrorHandler(log: Logger) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const first = error.validation[0];
      const params = (first?.params ?? {}) as { keys?: unknown };
      const field = fieldName((error as { validationContext?: string }).validationContext, first?.instancePath ?? '', params.keys);
      return reply.code(400).send({ error: { code: 'bad_request', message: `${field}: ${first?.message ?? 'invalid'}`, field } });
    }
    if (error instanceof HttpError) {
      return reply.code(error.status).send({ error: { code: error.code, message: redactText(error.message), ...(error.field ? { field: error.field } : {}) } });
    }
    if (error instanceof ConnectorError) {
      return reply.code(statusOf(error)).send({ error: { code: error.code, message: redactText(error.message) } });
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.statusCode && fastifyError.statusCode < 500) {
      return reply.code(fastifyError.statusCode).send({ error: { code: 'bad_request', message: redactText(fastifyError.message) } });
    }
    log.error({ err: redactText(error.message), url: request.url }, 'API request failed');
    return reply.code(500).send({ error: { code: 'MLC_ERR_BUG', message: 'internal error; see the server log' } });
  };
}
