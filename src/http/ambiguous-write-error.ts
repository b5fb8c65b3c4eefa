import { ConnectorError } from '../core/errors.ts';

/**
 * A non-idempotent write whose outcome is unknown: the request may have reached the service and
 * been applied, but the answer was lost (timeout, dropped connection, gateway 504) or could not be
 * read (a 2xx we cannot parse leaves us without the new record's id). Retrying blindly
 * could create a duplicate bill, contact or payment, so the transport does not retry it.
 *
 * How the engine resolves it: search the target for the record it meant to create (Xero payments by
 * `Reference`, invoices by contact + number, BILL bills by vendor + invoice number, vendors by
 * name), link it if found, write again only if not. The code stays the underlying transient one
 * (MLC_ERR_TIMEOUT / MLC_ERR_NETWORK / MLC_ERR_SERVER); `ambiguous` marks the case.
 */
export class AmbiguousWriteError extends ConnectorError {
  readonly ambiguous = true as const;
  /** The request that may or may not have been applied, e.g. "PUT /Payments". */
  readonly request: string;

  constructor(request: string, underlying: ConnectorError) {
    super({
      code: underlying.code,
      message: `${request}: outcome unknown (${underlying.message}); the write may have been applied, so it was not repeated. Search the target for the record before writing again.`,
      ...(underlying.system !== undefined ? { system: underlying.system } : {}),
      ...(underlying.status !== undefined ? { status: underlying.status } : {}),
      ...(underlying.vendorCode !== undefined ? { vendorCode: underlying.vendorCode } : {}),
      ...(underlying.vendorBody !== undefined ? { vendorBody: underlying.vendorBody } : {}),
      cause: underlying,
    });
    this.request = request;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), ambiguous: true, request: this.request };
  }
}

export function isAmbiguousWrite(e: unknown): e is AmbiguousWriteError {
  return e instanceof AmbiguousWriteError;
}
