import { ConnectorError, type ErrorCode } from '../../core/errors.ts';
import { capBody, redactText } from '../../core/redact.ts';
import type { HttpFailure } from '../../http/transport.ts';
import { pickField, pickString } from '../case-insensitive.ts';
import { retryAfterMs } from '../retry-after.ts';
import { xeroSpec } from './spec.ts';

const RECONNECT = `Run \`${xeroSpec.auth.reconnectCommand}\` again to reconnect.`;

/**
 * Maps a Xero error answer to a ConnectorError.
 * - 401 `TokenExpired` (and other 401s) → MLC_ERR_AUTH_EXPIRED: the transport refreshes once and repeats.
 * - 403 `AuthenticationUnsuccessful`: tenant disconnected, user lost access, org gone →
 *   MLC_ERR_RECONNECT_NEEDED (https://developer.xero.com/documentation/oauth2/troubleshooting).
 * - 429 + `X-Rate-Limit-Problem`: `day` → MLC_ERR_DAILY_LIMIT (park), `minute` / `appminute` /
 *   `concurrent` → MLC_ERR_RATE_LIMITED, with `Retry-After` (https://developer.xero.com/documentation/oauth2/limits).
 * - 400 ValidationException → MLC_ERR_VALIDATION with every `Elements[].ValidationErrors[].Message`.
 * - Token endpoint `invalid_grant` → MLC_ERR_RECONNECT_NEEDED; `invalid_client` → MLC_ERR_CONFIG.
 * Problem bodies are read case-insensitively (both casings are seen in the wild).
 */
export function classifyXeroFailure(f: HttpFailure): ConnectorError {
  const body = f.json;
  const make = (code: ErrorCode, message: string, extra: { vendorCode?: string; retryAfterMs?: number } = {}) =>
    new ConnectorError({
      code,
      system: 'xero',
      status: f.status,
      message: redactText(`Xero ${f.request} → ${f.status}: ${message}`),
      vendorBody: capBody(f.bodyText),
      ...extra,
    });

  const oauthError = pickString(body, 'error');
  if (oauthError) {
    const description = pickString(body, 'error_description');
    const text = description ? `${oauthError} (${description})` : oauthError;
    if (oauthError === 'invalid_grant') {
      return make('MLC_ERR_RECONNECT_NEEDED', `Xero no longer accepts the saved connection: ${text}. The refresh token was revoked, expired or replaced. ${RECONNECT}`, { vendorCode: oauthError });
    }
    if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client' || oauthError === 'invalid_scope') {
      return make('MLC_ERR_CONFIG', `Xero refused the app credentials or scopes: ${text}. Check the client id, secret and scopes.`, { vendorCode: oauthError });
    }
  }

  const detail = pickString(body, 'Detail') ?? pickString(body, 'Message') ?? pickString(body, 'Title') ?? '';
  const type = pickString(body, 'Type');

  if (f.status === 401) {
    const vendorCode = /TokenExpired/i.test(detail) ? 'TokenExpired' : detail.split(':')[0]?.trim() || 'Unauthorized';
    return make('MLC_ERR_AUTH_EXPIRED', detail || 'Unauthorized', { vendorCode });
  }
  if (f.status === 403) {
    if (/AuthenticationUnsuccessful|AuthorizationUnsuccessful/i.test(detail)) {
      return make('MLC_ERR_RECONNECT_NEEDED', `Xero refused access to this organisation (${detail}): the connection was removed or the user lost access. ${RECONNECT}`, { vendorCode: 'AuthenticationUnsuccessful' });
    }
    return make('MLC_ERR_FORBIDDEN', detail || 'Forbidden', { vendorCode: detail || undefined });
  }
  if (f.status === 429) {
    const problem = (f.headers.get('x-rate-limit-problem') ?? '').trim().toLowerCase();
    const wait = retryAfterMs(f.headers.get('retry-after'), f.now);
    const extra = { vendorCode: `rate-limit:${problem || 'unknown'}`, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
    if (problem === 'day') return make('MLC_ERR_DAILY_LIMIT', `the tenant's daily call allowance is used up${wait !== undefined ? `; resets in ${Math.ceil(wait / 1000)} s` : ''}`, extra);
    return make('MLC_ERR_RATE_LIMITED', `rate limit (${problem || 'unspecified'})`, extra);
  }
  if (f.status === 404) return make('MLC_ERR_NOT_FOUND', detail || 'not found', { vendorCode: type });
  if (f.status >= 500) {
    const wait = retryAfterMs(f.headers.get('retry-after'), f.now);
    return make('MLC_ERR_SERVER', detail || 'server error', { vendorCode: type, ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
  }
  if (f.status === 400 && type === 'PostDataInvalidException') {
    // Our JSON was unreadable to Xero: a connector bug, not the user's data.
    return make('MLC_ERR_BUG', pickString(body, 'Message') ?? 'request body could not be read', { vendorCode: type });
  }
  if (f.status === 400) {
    const messages = validationMessages(body);
    const text = messages.length > 0 ? messages.join('; ') : detail || 'bad request';
    return make('MLC_ERR_VALIDATION', text, { vendorCode: type ?? 'ValidationException' });
  }
  return make('MLC_ERR_VALIDATION', detail || `unexpected status ${f.status}`, { vendorCode: type });
}

/** Every `ValidationErrors[].Message` under `Elements[]` (deduplicated, in order). */
export function validationMessages(body: unknown): string[] {
  const out: string[] = [];
  const elements = pickField(body, 'Elements');
  const list = Array.isArray(elements) ? elements : [];
  for (const element of list) {
    const errors = pickField(element, 'ValidationErrors');
    if (!Array.isArray(errors)) continue;
    for (const e of errors) {
      const m = pickString(e, 'Message');
      if (m && !out.includes(m)) out.push(m);
    }
  }
  return out;
}
