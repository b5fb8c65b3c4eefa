import { ConnectorError } from '../core/errors.ts';
import { redactText } from '../core/redact.ts';
import type { FailureOutcome } from './retry.ts';

/**
 * Error codes (Node / undici) that mean the request never left this machine: nothing can have been
 * applied, so even a non-idempotent write is safe to repeat. Anything else (ECONNRESET, "other side
 * closed", a timeout) may have happened after the service read the request.
 */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_INVALID_URL',
]);

function causeCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i += 1) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function causeMessage(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur; i += 1) {
    if (cur instanceof Error) parts.push(cur.message);
    cur = cur && typeof cur === 'object' ? (cur as { cause?: unknown }).cause : undefined;
  }
  return redactText(parts.join(': ') || String(e));
}

/** Turns what fetch threw into a failure outcome with a stable code. */
export function classifyThrown(
  e: unknown,
  ctx: { system: string; request: string; timeoutMs: number; timedOut: boolean },
): FailureOutcome {
  const name = e instanceof Error ? e.name : '';
  if (ctx.timedOut || name === 'TimeoutError') {
    return {
      type: 'lost',
      error: new ConnectorError({ code: 'MLC_ERR_TIMEOUT', system: ctx.system, message: `${ctx.request}: no answer within ${ctx.timeoutMs} ms`, cause: e }),
    };
  }
  const code = causeCode(e);
  const error = new ConnectorError({
    code: 'MLC_ERR_NETWORK',
    system: ctx.system,
    message: `${ctx.request}: ${causeMessage(e)}${code ? ` (${code})` : ''}`,
    cause: e,
  });
  return { type: code !== undefined && NOT_SENT_CODES.has(code) ? 'not_sent' : 'lost', error };
}
