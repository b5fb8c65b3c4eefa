import { ConnectorError, type ErrorCode } from '../../core/errors.ts';
import { capBody, redactText } from '../../core/redact.ts';
import type { HttpFailure } from '../../http/transport.ts';
import { pickString } from '../case-insensitive.ts';
import { billSpec } from './spec.ts';

const RECONNECT = `Run \`${billSpec.auth.reconnectCommand}\` again with the correct username, password, organisation id and developer key.`;

/**
 * Maps a BILL error answer to a ConnectorError, by BILL's error `code` first and the HTTP status
 * second: BILL documents codes but not statuses for its limits
 * (https://developer.bill.com/docs/common-api-error-codes, https://developer.bill.com/docs/api-rate-limits).
 * - BDC_1109 session invalid (and any 401) → MLC_ERR_AUTH_EXPIRED: log in again, repeat once.
 * - BDC_1101 / BDC_1102 bad username-password / developer key → MLC_ERR_BAD_CREDENTIALS.
 * - BDC_1322 too many concurrent requests → MLC_ERR_RATE_LIMITED (no Retry-After: 2^n s backoff).
 * - BDC_1144 hourly allowance → MLC_ERR_DAILY_LIMIT, parked until the start of the next hour.
 * - BDC_1121 "API not supported" (unknown path) and other 404s → MLC_ERR_NOT_FOUND.
 * - BDC_1001 and 5xx → MLC_ERR_SERVER; other 4xx → MLC_ERR_VALIDATION with BILL's messages.
 */
export function classifyBillFailure(f: HttpFailure): ConnectorError {
  const items = errorItems(f.json);
  const codes = items.map((i) => i.code);
  const messages = items.map((i) => `${i.code}: ${i.message}`.trim()).join('; ');
  const first = items[0]?.code;
  const make = (code: ErrorCode, message: string, vendorCode = first, retryAfterMs?: number) =>
    new ConnectorError({
      code,
      system: 'bill',
      status: f.status,
      message: redactText(`BILL ${f.request} → ${f.status}: ${message}`),
      vendorBody: capBody(f.bodyText),
      vendorCode,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });

  if (codes.includes('BDC_1101') || codes.includes('BDC_1102')) {
    const which = codes.includes('BDC_1102') ? 'developer key' : 'username or password';
    return make('MLC_ERR_BAD_CREDENTIALS', `BILL rejected the saved ${which} (${messages}). ${RECONNECT}`, codes.includes('BDC_1102') ? 'BDC_1102' : 'BDC_1101');
  }
  if (codes.includes('BDC_1109') || f.status === 401) return make('MLC_ERR_AUTH_EXPIRED', messages || 'session is invalid', first ?? 'Unauthorized');
  if (codes.includes('BDC_1322')) return make('MLC_ERR_RATE_LIMITED', messages, 'BDC_1322');
  if (codes.includes('BDC_1144')) {
    const hour = 3_600_000;
    const untilNextHour = hour - (f.now % hour);
    return make('MLC_ERR_DAILY_LIMIT', `${messages}; the allowance resets at the start of the next hour`, 'BDC_1144', untilNextHour);
  }
  if (f.status === 429) return make('MLC_ERR_RATE_LIMITED', messages || 'too many requests', first ?? '429');
  if (codes.includes('BDC_1121') || f.status === 404) return make('MLC_ERR_NOT_FOUND', messages || 'not found');
  if (f.status >= 500 || codes.includes('BDC_1001')) return make('MLC_ERR_SERVER', messages || 'server error');
  if (f.status === 403) return make('MLC_ERR_FORBIDDEN', messages || 'forbidden');
  return make('MLC_ERR_VALIDATION', messages || `unexpected status ${f.status}`);
}

function errorItems(json: unknown): { code: string; message: string }[] {
  const list = Array.isArray(json) ? json : json && typeof json === 'object' ? [json] : [];
  const out: { code: string; message: string }[] = [];
  for (const item of list) {
    const code = pickString(item, 'code');
    if (code) out.push({ code, message: pickString(item, 'message') ?? '' });
  }
  return out;
}
