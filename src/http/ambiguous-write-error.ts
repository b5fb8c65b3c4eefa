import { ConnectorError, type ErrorCode } from '../core/errors.ts';

/**
 * A non-idempotent write whose outcome is unknown: the request may have reached the service and
 * been applied, but the answer was lost (timeout, dropped connection, gateway 504) or could not be
 * read (a 2xx we cannot parse leaves us without the new record's id). Retrying blindly
 * could create a duplicate bill, contact or payment, so the transport does not retry it.
 *
 * How the engine resolves it: search the target for the record it meant to create (Xero payments by
 * `Reference`, invoices by contact + number, BILL bills by vendor + invoice number, vendors by
 * name), link it if found, write again only if not. Its code is MLC_ERR_AMBIGUOUS_WRITE (kind
 * retryable), so logs, audit rows and scripts can tell this case from a plain failure; the transient
 * failure behind it (MLC_ERR_TIMEOUT / MLC_ERR_NETWORK / MLC_ERR_SERVER / MLC_ERR_BAD_RESPONSE)
 * is kept as `underlyingCode`.
 */
export class AmbiguousWriteError extends ConnectorError {
  readonly ambiguous = true as const;
  /** The request that may or may not have been applied, e.g. "PUT /Payments". */
  readonly request: string;
  /** What was seen: the timeout, dropped connection, gateway error or unreadable answer. */
  readonly underlyingCode: ErrorCode;

  constructor(request: string, underlying: ConnectorError) {
    super({
      code: 'MLC_ERR_AMBIGUOUS_WRITE',
      message: `${request}: outcome unknown (${underlying.message}); the write may have been applied, so it was not repeated. Search the target for the record before writing again.`,
      ...(underlying.system !== undefined ? { system: underlying.system } : {}),
      ...(underlying.status !== undefined ? { status: underlying.status } : {}),
      ...(underlying.vendorCode !== undefined ? { vendorCode: underlying.vendorCode } : {}),
      ...(underlying.vendorBody !== undefined ? { vendorBody: underlying.vendorBody } : {}),
      cause: underlying,
    });
    this.request = request;
    this.underlyingCode = underlying.code;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), ambiguous: true, request: this.request, underlyingCode: this.underlyingCode };
  }
}

export function isAmbiguousWrite(e: unknown): e is AmbiguousWriteError {
  return e instanceof AmbiguousWriteError;
}
