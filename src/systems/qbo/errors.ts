import { ConnectorError, type ErrorCode } from '../../core/errors.ts';
import { capBody, redactText } from '../../core/redact.ts';
import type { HttpFailure } from '../../http/transport.ts';
import { pickString } from '../case-insensitive.ts';
import { describeFault, parseFault, type QboFault } from './fault.ts';
import { qboSpec } from './spec.ts';

const RECONNECT = `Run \`${qboSpec.auth.reconnectCommand}\` to connect the company again.`;

/** The Fault codes the connector acts on (https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/handling-common-errors). */
export const qboFaultCodes = {
  authenticationFailed: '3200',
  applicationAuthorizationFailed: '3100',
  throttleExceeded: '3001',
  staleObject: '5010',
  duplicateName: '6240',
  duplicateDocNumber: '6140',
  objectNotFound: '610',
  invalidReference: '2500',
} as const;

/**
 * Maps a QBO error answer to a ConnectorError whose message names every Fault code and detail.
 * - Token endpoint `invalid_grant` (refresh token expired, revoked, superseded, app disconnected)
 *   → MLC_ERR_RECONNECT_NEEDED with the command to run; `invalid_client` → MLC_ERR_CONFIG.
 * - 401 / 3200 AuthenticationFailed → MLC_ERR_AUTH_EXPIRED: the transport refreshes once and repeats.
 * - 403 / 3100 ApplicationAuthorizationFailed (token of another realm, app not authorised) → MLC_ERR_FORBIDDEN.
 * - 429 / 3001 ThrottleExceeded → MLC_ERR_RATE_LIMITED. QBO sends no Retry-After and asks for a wait
 *   (https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles), so the
 *   transport backs off exponentially; a 403 carrying 3001 (seen in 2016) is a throttle too.
 * - 5010 Stale Object Error → MLC_ERR_CONFLICT (the caller re-reads the SyncToken and retries once).
 * - 610 Object Not Found, 404 → MLC_ERR_NOT_FOUND; 5xx → MLC_ERR_SERVER; other 4xx → MLC_ERR_VALIDATION.
 * `vendorCode` is the first Fault code (e.g. "6240"), which port.ts reads.
 */
export function classifyQboFailure(f: HttpFailure): ConnectorError {
  const fault = parseFault(f.json, f.bodyText);
  const codes = fault?.errors.map((e) => e.code) ?? [];
  const has = (code: string) => codes.includes(code);
  const make = (code: ErrorCode, message: string, vendorCode: string | undefined = codes[0]) =>
    new ConnectorError({
      code,
      system: 'qbo',
      status: f.status,
      message: redactText(`QuickBooks Online ${f.request} → ${f.status}: ${message}`),
      vendorBody: capBody(f.bodyText),
      ...(vendorCode ? { vendorCode } : {}),
    });

  const oauthError = pickString(f.json, 'error');
  if (oauthError && !fault) {
    const description = pickString(f.json, 'error_description');
    const text = description ? `${oauthError} (${description})` : oauthError;
    if (oauthError === 'invalid_grant') {
      return make('MLC_ERR_RECONNECT_NEEDED', `QuickBooks Online no longer accepts the saved connection: ${text}. The refresh token expired, was revoked or replaced, or the app was disconnected in QuickBooks. ${RECONNECT}`, oauthError);
    }
    if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client' || oauthError === 'invalid_scope') {
      return make('MLC_ERR_CONFIG', `QuickBooks Online refused the app credentials or scopes: ${text}. Check the client id and secret.`, oauthError);
    }
  }

  const text = fault ? describeFault(fault) : f.bodyText.trim().slice(0, 200) || `status ${f.status}`;
  if (f.status === 429 || has(qboFaultCodes.throttleExceeded)) return make('MLC_ERR_RATE_LIMITED', text, qboFaultCodes.throttleExceeded);
  if (f.status === 401 || has(qboFaultCodes.authenticationFailed)) return make('MLC_ERR_AUTH_EXPIRED', text);
  if (f.status === 403 || has(qboFaultCodes.applicationAuthorizationFailed)) {
    return make('MLC_ERR_FORBIDDEN', `${text}. This connection's token does not reach this company (realm). ${RECONNECT}`);
  }
  if (has(qboFaultCodes.staleObject)) return make('MLC_ERR_CONFLICT', text, qboFaultCodes.staleObject);
  if (f.status === 404 || has(qboFaultCodes.objectNotFound)) return make('MLC_ERR_NOT_FOUND', text);
  if (f.status >= 500) return make('MLC_ERR_SERVER', text);
  return make('MLC_ERR_VALIDATION', text);
}

/** The Fault codes a ConnectorError from QBO carries (first one in `vendorCode`). */
export function isQboFault(e: unknown, code: string): e is ConnectorError {
  return e instanceof ConnectorError && e.system === 'qbo' && e.vendorCode === code;
}

/** A per-item batch Fault as a ConnectorError, classified like a whole answer with the given status. */
export function batchItemError(fault: QboFault, request: string): ConnectorError {
  const status = fault.errors.some((e) => e.code === qboFaultCodes.staleObject) ? 400 : fault.type.toLowerCase().includes('auth') ? 401 : 400;
  const json = { Fault: { type: fault.type, Error: fault.errors.map((e) => ({ code: e.code, Message: e.message, Detail: e.detail, element: e.element })) } };
  return classifyQboFailure({ system: 'qbo', request, status, headers: new Headers(), bodyText: JSON.stringify(json), json, now: Date.now() });
}
