import { randomUUID } from 'node:crypto';
import { tokenExpiredStamp } from './dates.ts';
import type { Json } from './json.ts';

/**
 * Xero's error answers. What a handler returns: a status, a body and its content type. Shapes and
 * strings come from the reference (A1 auth errors, A7b messages) and are cited per function.
 */
export interface ApiResult {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export const ok = (body: unknown): ApiResult => ({ status: 200, body });

/** Problem-details body Xero's gateway uses for auth failures (pyxero#337, xeroizer#509). */
function problem(status: number, title: string, detail: string): Json {
  return { Type: null, Title: title, Status: status, Detail: detail, Instance: randomUUID(), Extensions: {} };
}

/** 401 for an expired access token: `TokenExpired: token expired at MM/dd/yyyy HH:mm:ss` (A1). */
export const tokenExpired = (expiredAt: number): ApiResult => ({
  status: 401,
  body: problem(401, 'Unauthorized', `TokenExpired: token expired at ${tokenExpiredStamp(expiredAt)}`),
});

/** 401 for a missing, malformed or unknown bearer token (A1; detail text as for other auth failures). */
export const unauthenticated = (): ApiResult => ({ status: 401, body: problem(401, 'Unauthorized', 'AuthenticationUnsuccessful') });

/** 401 when the token lacks the scope the endpoint needs (xero-node#320: "AuthorizationUnsuccessful"). */
export const unauthorisedScope = (): ApiResult => ({ status: 401, body: problem(401, 'Unauthorized', 'AuthorizationUnsuccessful') });

/** 403 for a missing, unknown or disconnected tenant (XT; A8.1). */
export const forbiddenTenant = (): ApiResult => ({ status: 403, body: problem(403, 'Forbidden', 'AuthenticationUnsuccessful') });

/** 404: Xero answers unknown ids with this plain-text sentence, not JSON (XeroAPI/Xero-OpenAPI#163). */
export const notFound = (): ApiResult => ({
  status: 404,
  body: "The resource you're looking for cannot be found",
  contentType: 'text/plain; charset=utf-8',
});

export interface ElementError {
  element: Json;
  messages: string[];
}

/** 400 ValidationException, ErrorNumber 10, echoing each failed element with its messages (A7b, XHC). */
export function validationException(elements: ElementError[]): ApiResult {
  return {
    status: 400,
    body: {
      ErrorNumber: 10,
      Type: 'ValidationException',
      Message: 'A validation exception occurred',
      Elements: elements.map((e) => ({ ...e.element, ValidationErrors: e.messages.map((Message) => ({ Message })) })),
    },
  };
}

/** 400 PostDataInvalidException, ErrorNumber 14, for a body that is not JSON (foxbytehq/laravel-xero-oauth2#2). */
export const postDataInvalid = (detail: string): ApiResult => ({
  status: 400,
  body: {
    ErrorNumber: 14,
    Type: 'PostDataInvalidException',
    Message: `JSON request body could not be read, please check the body for errors. ${detail}`.trim(),
  },
});

/** 400 QueryParseException, ErrorNumber 16, for a `where` or `order` the emulator cannot parse (UNVERIFIED wording). */
export const queryParse = (message: string): ApiResult => ({
  status: 400,
  body: { ErrorNumber: 16, Type: 'QueryParseException', Message: message },
});

/** 400 for a malformed request that is not a validation of elements (bad Idempotency-Key, for example). */
export const badRequest = (message: string): ApiResult => ({
  status: 400,
  body: { ErrorNumber: 10, Type: 'ValidationException', Message: message, Elements: [] },
});

/** 413: a POST over Xero's 3.5 MB request limit (XLO). */
export const tooLarge = (): ApiResult => ({
  status: 413,
  body: problem(413, 'Request Entity Too Large', 'The request body is larger than the 3.5 MB Xero accepts.'),
});

/** 429 with the limit that was hit; the header set is added by the limiter (XL). */
export const rateLimited = (problemName: string): ApiResult => ({
  status: 429,
  body: problem(429, 'Too Many Requests', `Rate limit exceeded: ${problemName}`),
});

/** Injected 500 (XHC: "An unhandled error with the Xero API"). */
export const serverError = (): ApiResult => ({
  status: 500,
  body: problem(500, 'An error occurred', 'An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status.'),
});

/** Injected 503 (XHC: service unavailable / organisation offline). */
export const unavailable = (): ApiResult => ({
  status: 503,
  body: problem(503, 'Service Unavailable', 'The Xero API is temporarily unavailable. Please try again later.'),
});

/**
 * 406 when the caller did not send `Accept: application/json`. Xero answers XML by default (XRR);
 * the emulator speaks JSON only and says so in a minimal XML error instead of serving XML records.
 */
export const notAcceptable = (): ApiResult => ({
  status: 406,
  contentType: 'text/xml; charset=utf-8',
  body:
    '<?xml version="1.0" encoding="utf-8"?>\n<ApiException><ErrorNumber>406</ErrorNumber><Type>NotAcceptableException</Type>' +
    '<Message>This emulator answers JSON only: send the header Accept: application/json</Message></ApiException>',
});
