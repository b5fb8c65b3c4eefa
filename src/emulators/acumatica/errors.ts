/**
 * Acumatica's `HttpError` body for 400, 401, 404, 412, 429 and 500 [AOAS HttpError]:
 * `{message, exceptionMessage, exceptionType, stackTrace}` (the ASP.NET Web API error shape).
 * Messages where the official pages give none are the emulator's choice (docs/emulators/acumatica.md).
 */
export interface HttpErrorBody {
  message: string;
  exceptionMessage?: string;
  exceptionType?: string;
  stackTrace?: string;
}

export const messages = {
  notLoggedIn: 'You are not logged in.',
  licence: 'The number of requests has exceeded the limit imposed by the license.',
  loginLimit: 'API Login Limit',
  badLogin: 'Invalid credentials. Please try again.',
  noEntity: 'No entity satisfies the condition.',
  error: 'An error has occurred.',
  unavailable: 'The service is unavailable.',
} as const;

export function httpError(status: number, detail: string): HttpErrorBody {
  if (status >= 500) return { message: messages.error, exceptionMessage: detail, exceptionType: 'PX.Data.PXException', stackTrace: '' };
  return { message: detail };
}

export const noResource = (url: string): HttpErrorBody => ({ message: `No HTTP resource was found that matches the request URI '${url}'.` });
