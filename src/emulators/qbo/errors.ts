/**
 * QBO's error envelope (reference B7, IntuitRestServiceDef.xsd `Fault`/`Error`):
 * `{"Fault":{"Error":[{"Message","Detail","code","element"?}],"type"},"time"}` with `code` a string.
 * The JSON `type` spellings are the ones current clients see (`AUTHENTICATION`, `SERVICE`,
 * `ValidationFault`, `SystemFault`; B1, B7).
 */

export interface QboAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface FaultError {
  Message: string;
  Detail: string;
  code: string;
  element?: string;
}

/** A rule broken by a request; turned into a Fault answer by the route. */
export class QboFault extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly errors: FaultError[],
  ) {
    super(errors[0]?.Message ?? type);
  }
}

/** QBO's timestamps carry the company's offset; the emulated company is on US Pacific standard time (-08:00). */
export function qboTime(ms: number): string {
  const local = new Date(ms - 8 * 3_600_000).toISOString();
  return `${local.slice(0, 23)}-08:00`;
}

export function faultAnswer(fault: QboFault, now: number): QboAnswer {
  return { status: fault.status, body: { Fault: { Error: fault.errors, type: fault.type }, time: qboTime(now) } };
}

const one = (status: number, type: string, code: string, Message: string, Detail: string, element?: string): QboFault =>
  new QboFault(status, type, [{ Message, Detail, code, ...(element ? { element } : {}) }]);

export const validation = (code: string, message: string, detail: string, element?: string): QboFault => one(400, 'ValidationFault', code, message, detail, element);

export const authenticationFailed = (): QboFault =>
  one(401, 'AUTHENTICATION', '3200', 'message=AuthenticationFailed; errorCode=003200; statusCode=401', 'Token expired or invalid');

export const applicationAuthorizationFailed = (): QboFault =>
  one(403, 'SERVICE', '3100', 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403', 'The application is not authorized to access this company');

export const throttled = (): QboFault =>
  one(429, 'SERVICE', '3001', 'message=ThrottleExceeded; errorCode=003001; statusCode=429', 'The request limit was reached.  Try again later');

export const systemFault = (status: number): QboFault =>
  one(status, 'SystemFault', '10000', 'An application error has occurred while processing your request', 'System Failure Error: An unexpected error occurred');

export const unsupportedOperation = (path: string): QboFault =>
  validation('500', 'Unsupported Operation', `Could not find resource for relative : ${path} of full path: ${path}`);

export const objectNotFound = (entity: string, id: string): QboFault =>
  validation('610', 'Object Not Found', `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. ${entity} Id=${id}`);

export const requiredParam = (element: string): QboFault =>
  validation('2020', 'Required param missing, need to supply the required value for the API', `Required parameter ${element} is missing in the request`, element);

export const invalidReference = (element: string, id: string): QboFault =>
  validation('2500', 'Invalid Reference Id', `Invalid Reference Id : ${element} assigned is not valid or inactive. Id=${id}`, element);

export const staleObject = (): QboFault =>
  validation('5010', 'Stale Object Error', 'Stale Object Error : You and QuickBooks were working on this at the same time. QuickBooks finished before you did, so your work was not saved.');

export const duplicateName = (): QboFault =>
  validation('6240', 'Duplicate Name Exists Error', 'The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name.');

export const duplicateDocNumber = (docNumber: string, txnType: string, id: string): QboFault =>
  validation('6140', 'Duplicate Document Number Error', `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${docNumber} is assigned to TxnType=${txnType} with TxnId=${id}`);

export const stringTooLong = (element: string, max: number): QboFault =>
  validation('2050', `String length is either shorter or longer than supported by specification. Min:0 Max:${max}`, `String length specified does not match the supported length. Min:0 Max:${max} supported. Supplied length:`, element);

export const businessValidation = (detail: string, element?: string): QboFault => validation('6000', 'A business validation error has occurred while processing your request', `Business Validation Error: ${detail}`, element);

export const queryParserError = (detail: string): QboFault => validation('4000', 'Error parsing query', `QueryParserError: ${detail}`);

export const malformed = (detail: string): QboFault => validation('2010', 'Request has invalid or unsupported property', detail);
