/**
 * BILL's error envelope: always a JSON array of `{timestamp, code, severity, category, message}`
 * (reference A10, [BD:common-api-error-codes]). Handlers throw BillApiError; the route wrapper renders it.
 */
import { isoTime } from './time.ts';

export type Severity = 'ERROR' | 'WARNING' | 'INFORMATION';
export type Category = 'REQUEST' | 'APPLICATION' | 'SERVER' | 'DOWNSTREAM';

/**
 * Codes the emulator answers with. The first group and their texts are documented (A2, A10, A11);
 * INVALID_ID is reported by third parties only (A10, unverified) and is used here for unknown object ids.
 */
export const billCodes = {
  SYSTEM: 'BDC_1001',
  UNKNOWN: 'BDC_1002',
  BAD_CREDENTIALS: 'BDC_1101',
  BAD_DEV_KEY: 'BDC_1102',
  SESSION_INVALID: 'BDC_1109',
  NOT_SUPPORTED: 'BDC_1121',
  HOURLY_LIMIT: 'BDC_1144',
  CONCURRENT_LIMIT: 'BDC_1322',
  INVALID_ID: 'BDC_1205',
} as const;

export const billMessages = {
  system: 'System error occurred.',
  unavailable: 'Service is temporarily unavailable.',
  badCredentials: 'User name and/or password do not match our records.',
  badDevKey: 'Developer key is invalid.',
  // Two spaces, as printed in [BD:common-api-error-codes].
  sessionInvalid: 'Session is invalid.  Please log in.',
  notSupported: 'API not supported.',
  concurrent: 'Max number of concurrent requests per organization reached.',
  hourly: (limit: number) => `Max number of allowed requests per hour reached: ${limit}.`,
  loginHourly: (limit: number) => `Max number of allowed login requests per hour reached: ${limit}.`,
} as const;

export interface BillErrorItem {
  code: string;
  message: string;
  category?: Category;
  severity?: Severity;
  params?: { name: string; value: string }[];
}

export class BillApiError extends Error {
  override readonly name = 'BillApiError';
  constructor(
    readonly status: number,
    readonly items: BillErrorItem[],
  ) {
    super(items.map((i) => `${i.code}: ${i.message}`).join('; '));
  }
}

export interface RenderedError {
  timestamp: string;
  code: string;
  severity: Severity;
  category: Category;
  message: string;
  params?: { name: string; value: string }[];
}

export function renderErrors(items: readonly BillErrorItem[], now: number): RenderedError[] {
  return items.map((i) => ({
    timestamp: isoTime(now),
    code: i.code,
    severity: i.severity ?? 'ERROR',
    category: i.category ?? 'REQUEST',
    message: i.message,
    ...(i.params ? { params: i.params } : {}),
  }));
}

/** A 400 for a malformed or invalid request; BDC_1002 is BILL's code for bad parameters or bodies (A10). */
export function badRequest(message: string, params?: { name: string; value: string }[]): BillApiError {
  return new BillApiError(400, [{ code: billCodes.UNKNOWN, message, category: 'REQUEST', ...(params ? { params } : {}) }]);
}

/** Several validation messages at once (one error object per problem, as BILL's array allows). */
export function invalid(messages: readonly string[]): BillApiError {
  return new BillApiError(
    400,
    messages.map((message) => ({ code: billCodes.UNKNOWN, message, category: 'REQUEST' as const })),
  );
}

/** Unknown object id in the path: HTTP 404 (unverified, A13) with the third-party-reported BDC_1205. */
export function notFound(kind: string, id: string): BillApiError {
  return new BillApiError(404, [
    { code: billCodes.INVALID_ID, message: `Invalid ${kind} id: ${id}.`, category: 'REQUEST', params: [{ name: 'id', value: id }] },
  ]);
}

export function notSupported(): BillApiError {
  return new BillApiError(404, [{ code: billCodes.NOT_SUPPORTED, message: billMessages.notSupported, category: 'REQUEST' }]);
}
