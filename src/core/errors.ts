/**
 * One catalogue of stable error codes. Every failure the engine records carries one of these codes,
 * and its kind decides what happens next: retry later, wait for a limit, ask the user to reconnect,
 * fix the data, resolve a conflict, or report a bug.
 */
export type ErrorKind = 'retryable' | 'rate_limited' | 'needs_reauth' | 'invalid_data' | 'conflict' | 'bug';

export const errorCatalogue = {
  MLC_ERR_NETWORK: { kind: 'retryable', text: 'The service could not be reached or the connection dropped.' },
  MLC_ERR_TIMEOUT: { kind: 'retryable', text: 'The service did not answer in time.' },
  MLC_ERR_SERVER: { kind: 'retryable', text: 'The service answered with a server error.' },
  MLC_ERR_AMBIGUOUS_WRITE: { kind: 'retryable', text: 'A write was sent but its answer was lost, so it may have been applied; the record is searched for before it is written again.' },
  MLC_ERR_RATE_LIMITED: { kind: 'rate_limited', text: 'The service asked us to slow down.' },
  MLC_ERR_DAILY_LIMIT: { kind: 'rate_limited', text: 'The daily or hourly call allowance is used up until it resets.' },
  MLC_ERR_AUTH_EXPIRED: { kind: 'needs_reauth', text: 'The login expired and could not be renewed.' },
  MLC_ERR_RECONNECT_NEEDED: { kind: 'needs_reauth', text: 'The connection was revoked or expired: connect the account again.' },
  MLC_ERR_BAD_CREDENTIALS: { kind: 'needs_reauth', text: 'The service rejected the saved credentials.' },
  MLC_ERR_FORBIDDEN: { kind: 'needs_reauth', text: 'The connection has no access to this organisation.' },
  MLC_ERR_VALIDATION: { kind: 'invalid_data', text: 'The service rejected the record as invalid.' },
  MLC_ERR_NOT_FOUND: { kind: 'invalid_data', text: 'The record no longer exists on the service.' },
  MLC_ERR_BAD_RESPONSE: { kind: 'retryable', text: 'The service answered with something we could not read.' },
  MLC_ERR_UNKNOWN_CURRENCY: { kind: 'invalid_data', text: 'The record uses a currency code that is not ISO 4217.' },
  MLC_ERR_CURRENCY_MISMATCH: { kind: 'invalid_data', text: 'The record is in another currency than its vendor pays in on the other side.' },
  MLC_ERR_MISSING_ACCOUNT: { kind: 'invalid_data', text: 'A GL account the record uses has no match on the other side.' },
  MLC_ERR_MISSING_DEPARTMENT: { kind: 'invalid_data', text: 'A tracking option the record uses has no department of that name on the other side.' },
  MLC_ERR_DEPENDENCY_FAILED: { kind: 'invalid_data', text: 'A record this one depends on (such as its vendor) failed to sync.' },
  MLC_ERR_STOPPED: { kind: 'retryable', text: 'The run was asked to stop (the process is shutting down); it stopped after its last committed page and the next run resumes from there.' },
  MLC_ERR_CONFLICT: { kind: 'conflict', text: 'The two systems disagree in a way that needs a person to decide.' },
  MLC_ERR_CONFIG: { kind: 'invalid_data', text: 'The configuration is missing or invalid.' },
  MLC_ERR_BUG: { kind: 'bug', text: 'An unexpected internal error.' },
} as const satisfies Record<string, { kind: ErrorKind; text: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export function kindOf(code: ErrorCode): ErrorKind {
  return errorCatalogue[code].kind;
}

export interface ConnectorErrorInit {
  code: ErrorCode;
  message: string;
  system?: string;
  status?: number;
  /** Vendor error code, e.g. BDC_1322 or ValidationException. */
  vendorCode?: string;
  /** Redacted, size-capped excerpt of the vendor's answer. */
  vendorBody?: string;
  /** Milliseconds to wait before trying again, when the service said so. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** An error with a stable code; its message and vendor body never contain secrets (see redact.ts). */
export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly system: string | undefined;
  readonly status: number | undefined;
  readonly vendorCode: string | undefined;
  readonly vendorBody: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(init: ConnectorErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.kind = kindOf(init.code);
    this.system = init.system;
    this.status = init.status;
    this.vendorCode = init.vendorCode;
    this.vendorBody = init.vendorBody;
    this.retryAfterMs = init.retryAfterMs;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      kind: this.kind,
      message: this.message,
      system: this.system,
      status: this.status,
      vendorCode: this.vendorCode,
      vendorBody: this.vendorBody,
    };
  }
}

export function asConnectorError(e: unknown): ConnectorError {
  if (e instanceof ConnectorError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ConnectorError({ code: 'MLC_ERR_BUG', message, cause: e });
}
