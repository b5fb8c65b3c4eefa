import { ConnectorError } from '../core/errors.ts';
import { AmbiguousWriteError } from './ambiguous-write-error.ts';

/**
 * The retry decision for one failed attempt, as a pure function so every branch is unit-tested
 * without I/O. The transport feeds it what happened; the `reason` it returns is the label used in
 * logs and metrics.
 *
 * Rules, and why:
 * - Connection refused / DNS failures happen before a request is sent: always safe to retry.
 * - A timeout or a connection lost AFTER the request went out is ambiguous: the service may have
 *   applied the write. Reads and idempotent writes (Xero `Idempotency-Key`, BILL
 *   `X-Idempotent-Key`, the OAuth refresh inside Xero's 30-minute grace) are retried; any other
 *   write is NOT retried and surfaces as an `AmbiguousWriteError`, which the engine resolves by
 *   searching the target for the record (e.g. Xero payments by Reference, BILL bills by vendor and
 *   invoice number) before deciding to write again.
 * - 5xx answers are retried with backoff (a 504 on a non-idempotent write is ambiguous too: a
 *   gateway gave up while the service may still be working on it).
 * - Rate limits (Xero 429 minute/concurrent, BILL BDC_1322) wait for Retry-After when the service
 *   sends it, else exponential backoff with full jitter (BILL recommends 2^n s:
 *   https://developer.bill.com/docs/api-rate-limits).
 * - Day/hour allowances (Xero 429 `day`, BILL BDC_1144) are never waited out in process: the
 *   caller is told the reset time and parks the work.
 * - Waits longer than `maxWaitMs` are not slept either; the error goes up with `retryAfterMs`.
 */
export interface RetryPolicy {
  /** Attempts in total for transient failures (network, timeout, 5xx). */
  maxAttempts: number;
  /** Attempts in total when the service said "slow down" (429 minute, BDC_1322). */
  maxRateLimitAttempts: number;
  /** First backoff ceiling; doubles per attempt. */
  baseDelayMs: number;
  /** Ceiling of any computed backoff. */
  maxDelayMs: number;
  /** Longest wait slept in process (Retry-After included); longer waits are handed to the caller. */
  maxWaitMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 4,
  maxRateLimitAttempts: 6,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxWaitMs: 65_000,
};

export type FailureOutcome =
  /** No bytes of the request reached the service (connection refused, DNS). */
  | { type: 'not_sent'; error: ConnectorError }
  /** Timeout or connection lost once the request may have been sent. */
  | { type: 'lost'; error: ConnectorError }
  /** The service answered with an error, already mapped by the system's errors.ts. */
  | { type: 'answered'; error: ConnectorError };

export interface RetryInput {
  outcome: FailureOutcome;
  /** Attempts made so far, including the one that just failed (1 for the first). */
  attempt: number;
  /** Whether repeating the request cannot create a second effect. */
  idempotent: boolean;
  /** A uniform random number in [0, 1) for full jitter (passed in to keep this function pure). */
  jitter: number;
  /** Request label for the ambiguous-write error message, e.g. "PUT /Payments". */
  request: string;
}

export type RetryReason =
  | 'network'
  | 'timeout'
  | 'server_error'
  | 'rate_limited'
  | 'ambiguous_write'
  | 'park_until_reset'
  | 'wait_too_long'
  | 'attempts_exhausted'
  | 'not_retryable';

export interface RetryDecision {
  retry: boolean;
  reason: RetryReason;
  waitMs: number;
  /** The error to throw when not retrying. */
  error: ConnectorError;
}

/** Full jitter: a uniform wait between 0 and min(cap, base·2^(attempt-1)). */
export function backoffMs(attempt: number, policy: RetryPolicy, jitter: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(jitter * ceiling);
}

export function decideRetry(input: RetryInput, policy: RetryPolicy): RetryDecision {
  const { outcome, attempt, idempotent, jitter } = input;
  const error = outcome.error;
  const stop = (reason: RetryReason, err: ConnectorError = error, waitMs = 0): RetryDecision => ({ retry: false, reason, waitMs, error: err });
  const transientReason: RetryReason = error.code === 'MLC_ERR_TIMEOUT' ? 'timeout' : error.code === 'MLC_ERR_SERVER' ? 'server_error' : 'network';

  if (outcome.type === 'lost' && !idempotent) {
    return stop('ambiguous_write', new AmbiguousWriteError(input.request, error));
  }
  if (outcome.type === 'answered' && error.status === 504 && !idempotent) {
    return stop('ambiguous_write', new AmbiguousWriteError(input.request, error));
  }

  switch (error.code) {
    case 'MLC_ERR_DAILY_LIMIT':
      return stop('park_until_reset', error, error.retryAfterMs ?? 0);
    case 'MLC_ERR_RATE_LIMITED': {
      if (attempt >= policy.maxRateLimitAttempts) return stop('attempts_exhausted');
      const waitMs = error.retryAfterMs ?? backoffMs(attempt, policy, jitter);
      if (waitMs > policy.maxWaitMs) return stop('wait_too_long', error, waitMs);
      return { retry: true, reason: 'rate_limited', waitMs, error };
    }
    case 'MLC_ERR_NETWORK':
    case 'MLC_ERR_TIMEOUT':
    case 'MLC_ERR_SERVER': {
      if (attempt >= policy.maxAttempts) return stop('attempts_exhausted');
      // 503 may carry Retry-After (RFC 9110 §10.2.3); otherwise back off.
      const waitMs = error.retryAfterMs ?? backoffMs(attempt, policy, jitter);
      if (waitMs > policy.maxWaitMs) return stop('wait_too_long', error, waitMs);
      return { retry: true, reason: transientReason, waitMs, error };
    }
    default:
      return stop('not_retryable');
  }
}
