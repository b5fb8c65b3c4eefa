import { ConnectorError, type ErrorCode } from '../../core/errors.ts';
import { capBody, redactText } from '../../core/redact.ts';
import type { HttpFailure } from '../../http/transport.ts';
import { pickString } from '../case-insensitive.ts';
import { retryAfterMs } from '../retry-after.ts';
import { acumaticaSpec } from './spec.ts';
import { fieldErrors } from './values.ts';

const RECONNECT = `Run \`${acumaticaSpec.auth.reconnectCommand}\` again with the correct instance URL, user, password, tenant and branch.`;

/** What an Acumatica error answer says, whatever its shape: HttpError's messages, or a 422 entity's field errors. */
export function describeAcumaticaError(json: unknown): { message: string; exceptionType: string | undefined; fields: string[] } {
  const parts = ['message', 'exceptionMessage', 'messageDetail'].map((k) => pickString(json, k)?.trim()).filter((m): m is string => !!m);
  const unique = [...new Set(parts)];
  return { message: unique.join(' — '), exceptionType: pickString(json, 'exceptionType'), fields: fieldErrors(json) };
}

/** Validation exceptions that come back as 500; a plain PXException may be anything, so it is retried as a server error. */
const VALIDATION_EXCEPTION = /PXSetPropertyException|PXRowPersistingException|PXOuterException/;

/** A sign-in refused for its user, password, tenant or branch (the message is not published: the usual texts). */
const BAD_LOGIN = /invalid credentials|user name|username|password|tenant|company|branch/i;

/**
 * Maps an Acumatica error answer to a ConnectorError, by status first
 * (Create_Record and Action_Execution examples; swagger responses):
 * - 401 "The user is not logged in to the system." → MLC_ERR_AUTH_EXPIRED: log in (or refresh) again, repeat once.
 * - 403 no rights to the form → MLC_ERR_FORBIDDEN.
 * - 404 unknown endpoint version, entity, action or record → MLC_ERR_NOT_FOUND.
 * - 412 an insert-only PUT found the record (or an update-only one did not) → MLC_ERR_VALIDATION, vendorCode `PreconditionFailed`.
 * - 422 the echoed entity with per-field `error` strings → MLC_ERR_VALIDATION naming every field.
 * - 429 declined by the licence (too many queued, or queued too long) → MLC_ERR_RATE_LIMITED.
 * - 500 "No entity satisfies the condition" → MLC_ERR_NOT_FOUND; a property or persisting
 *   exception → MLC_ERR_VALIDATION (it would fail the same way again); other 5xx → MLC_ERR_SERVER.
 * - Sign-in: "API Login Limit" (every API-user seat of the licence taken) → MLC_ERR_RATE_LIMITED
 *   with the 10 minutes after which seats of sessions not signed out free up; refused
 *   credentials (400, 401 or 500 "Invalid credentials") → MLC_ERR_BAD_CREDENTIALS. Neither is retried.
 * - The token endpoint's `invalid_grant` → MLC_ERR_RECONNECT_NEEDED; `invalid_client` → MLC_ERR_CONFIG.
 */
export function classifyAcumaticaFailure(f: HttpFailure): ConnectorError {
  const { message, exceptionType, fields } = describeAcumaticaError(f.json);
  const make = (code: ErrorCode, text: string, vendorCode?: string, retryAfter?: number) =>
    new ConnectorError({
      code,
      system: 'acumatica',
      status: f.status,
      message: redactText(`Acumatica ${f.request} → ${f.status}: ${text}`),
      vendorBody: capBody(f.bodyText),
      ...(vendorCode ? { vendorCode } : {}),
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
    });

  const oauthError = pickString(f.json, 'error');
  if (oauthError && typeof oauthError === 'string' && f.request.includes('/identity/')) {
    const text = [oauthError, pickString(f.json, 'error_description')].filter(Boolean).join(': ');
    if (oauthError === 'invalid_grant') {
      return make('MLC_ERR_RECONNECT_NEEDED', `Acumatica refused the saved grant (${text}): the refresh token expired, was used already or the password changed. ${RECONNECT}`, oauthError);
    }
    return make('MLC_ERR_CONFIG', `Acumatica refused the connected application (${text}). Check the client id (GUID@Tenant), secret and scopes on Connected Applications (SM303010).`, oauthError);
  }

  const vendorCode = exceptionType ?? (f.status === 412 ? 'PreconditionFailed' : undefined);
  if (/\/entity\/auth\/login$/.test(f.request)) {
    if (isLoginLimit(message)) {
      return make('MLC_ERR_RATE_LIMITED', `every API-user seat of the licence is taken (${message}); sessions that were not signed out keep their seat until they time out, so try again in a few minutes`, 'ApiLoginLimit', LOGIN_SEAT_WAIT_MS);
    }
    if (f.status === 400 || f.status === 401 || (f.status === 500 && BAD_LOGIN.test(message))) {
      return make('MLC_ERR_BAD_CREDENTIALS', `Acumatica refused the sign-in (${message || 'no reason given'}). ${RECONNECT}`, vendorCode ?? 'BadLogin');
    }
  }
  if (f.status === 401) return make('MLC_ERR_AUTH_EXPIRED', message || 'The user is not logged in to the system.', 'NotLoggedIn');
  if (f.status === 403) return make('MLC_ERR_FORBIDDEN', message || 'the user has no rights to this form', vendorCode);
  if (f.status === 404) return make('MLC_ERR_NOT_FOUND', message || 'not found', vendorCode);
  if (f.status === 412) return make('MLC_ERR_VALIDATION', message || 'precondition failed (the record exists, or does not)', 'PreconditionFailed');
  if (f.status === 422) {
    const text = fields.length > 0 ? `the record was refused: ${fields.join('; ')}` : message || 'the record was refused';
    return make('MLC_ERR_VALIDATION', text, vendorCode ?? 'Unprocessable');
  }
  if (f.status === 429) {
    const wait = retryAfterMs(f.headers.get('retry-after'), f.now);
    return make('MLC_ERR_RATE_LIMITED', message || 'the number of requests has exceeded the limit imposed by the licence', 'LicenceLimit', wait);
  }
  if (/No entity satisfies the condition/i.test(message)) return make('MLC_ERR_NOT_FOUND', message, vendorCode);
  if (f.status >= 500 && VALIDATION_EXCEPTION.test(exceptionType ?? '')) {
    return make('MLC_ERR_VALIDATION', fields.length > 0 ? `${message}; ${fields.join('; ')}` : message || 'refused by the business logic', vendorCode);
  }
  if (f.status >= 500) return make('MLC_ERR_SERVER', message || 'server error', vendorCode, retryAfterMs(f.headers.get('retry-after'), f.now));
  const text = [message, ...fields].filter(Boolean).join('; ');
  return make('MLC_ERR_VALIDATION', text || `unexpected status ${f.status}`, vendorCode);
}

/** Seats of sessions not signed out free up after this (License Restrictions for API Users: a 10-minute timeout). */
const LOGIN_SEAT_WAIT_MS = 10 * 60_000;

/** Whether a sign-in was refused for the licence's API-user cap ("API Login Limit", OAuthOIDC_GettingStarted_SignOut). */
export const isLoginLimit = (message: string): boolean => /login limit/i.test(message);
