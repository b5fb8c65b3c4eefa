import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../src/core/errors.ts';
import { backoffMs, decideRetry, defaultRetryPolicy, type FailureOutcome } from '../../src/http/retry.ts';
import { isAmbiguousWrite } from '../../src/http/ambiguous-write-error.ts';

const policy = { ...defaultRetryPolicy, baseDelayMs: 1000, maxDelayMs: 8000, maxWaitMs: 60_000 };
const err = (code: ConstructorParameters<typeof ConnectorError>[0]['code'], extra: Partial<ConstructorParameters<typeof ConnectorError>[0]> = {}) =>
  new ConnectorError({ code, message: code, system: 'x', ...extra });
const decide = (outcome: FailureOutcome, attempt = 1, idempotent = true, jitter = 0.5) =>
  decideRetry({ outcome, attempt, idempotent, jitter, request: 'PUT /Payments' }, policy);

test('full-jitter backoff doubles its ceiling per attempt and stops at the cap', () => {
  assert.equal(backoffMs(1, policy, 0.999), 999);
  assert.equal(backoffMs(2, policy, 0.5), 1000);
  assert.equal(backoffMs(3, policy, 0.5), 2000);
  assert.equal(backoffMs(10, policy, 0.5), 4000);
  assert.equal(backoffMs(10, policy, 0), 0);
});

test('network errors and 5xx retry with backoff until attempts run out', () => {
  const net = decide({ type: 'not_sent', error: err('MLC_ERR_NETWORK') }, 2, false);
  assert.deepEqual([net.retry, net.reason, net.waitMs], [true, 'network', 1000]);
  const server = decide({ type: 'answered', error: err('MLC_ERR_SERVER', { status: 500 }) }, 1, false);
  assert.deepEqual([server.retry, server.reason], [true, 'server_error']);
  const last = decide({ type: 'answered', error: err('MLC_ERR_SERVER', { status: 502 }) }, policy.maxAttempts);
  assert.deepEqual([last.retry, last.reason, last.error.code], [false, 'attempts_exhausted', 'MLC_ERR_SERVER']);
});

test('Retry-After wins over backoff; waits beyond maxWaitMs are handed to the caller', () => {
  const d = decide({ type: 'answered', error: err('MLC_ERR_RATE_LIMITED', { status: 429, retryAfterMs: 7000 }) }, 1);
  assert.deepEqual([d.retry, d.reason, d.waitMs], [true, 'rate_limited', 7000]);
  const unavailable = decide({ type: 'answered', error: err('MLC_ERR_SERVER', { status: 503, retryAfterMs: 3000 }) });
  assert.equal(unavailable.waitMs, 3000);
  const long = decide({ type: 'answered', error: err('MLC_ERR_RATE_LIMITED', { retryAfterMs: 120_000 }) });
  assert.deepEqual([long.retry, long.reason, long.waitMs], [false, 'wait_too_long', 120_000]);
});

test('rate limits without Retry-After back off exponentially (BILL BDC_1322) and have their own attempt budget', () => {
  const first = decide({ type: 'answered', error: err('MLC_ERR_RATE_LIMITED', { vendorCode: 'BDC_1322' }) }, 1, true, 0.99);
  const fourth = decide({ type: 'answered', error: err('MLC_ERR_RATE_LIMITED', { vendorCode: 'BDC_1322' }) }, 4, true, 0.99);
  assert.equal(first.waitMs, 990);
  assert.equal(fourth.waitMs, 7920);
  assert.equal(decide({ type: 'answered', error: err('MLC_ERR_RATE_LIMITED') }, policy.maxAttempts).retry, true);
  assert.equal(decide({ type: 'answered', error: err('MLC_ERR_RATE_LIMITED') }, policy.maxRateLimitAttempts).retry, false);
});

test('day and hour allowances park instead of retrying', () => {
  const d = decide({ type: 'answered', error: err('MLC_ERR_DAILY_LIMIT', { retryAfterMs: 3_600_000 }) });
  assert.deepEqual([d.retry, d.reason, d.waitMs], [false, 'park_until_reset', 3_600_000]);
});

test('a lost answer on a non-idempotent write is ambiguous and not retried; on a read it is retried', () => {
  const write = decide({ type: 'lost', error: err('MLC_ERR_TIMEOUT') }, 1, false);
  assert.equal(write.retry, false);
  assert.equal(write.reason, 'ambiguous_write');
  assert.ok(isAmbiguousWrite(write.error));
  assert.equal(write.error.code, 'MLC_ERR_AMBIGUOUS_WRITE');
  assert.equal(write.error.kind, 'retryable');
  assert.equal(isAmbiguousWrite(write.error) && write.error.underlyingCode, 'MLC_ERR_TIMEOUT');
  const shown = JSON.parse(JSON.stringify(write.error));
  assert.deepEqual([shown.code, shown.ambiguous, shown.underlyingCode], ['MLC_ERR_AMBIGUOUS_WRITE', true, 'MLC_ERR_TIMEOUT']);
  assert.match(write.error.message, /PUT \/Payments.*outcome unknown/);
  const read = decide({ type: 'lost', error: err('MLC_ERR_TIMEOUT') }, 1, true);
  assert.deepEqual([read.retry, read.reason], [true, 'timeout']);
  const gateway = decide({ type: 'answered', error: err('MLC_ERR_SERVER', { status: 504 }) }, 1, false);
  assert.equal(gateway.reason, 'ambiguous_write');
  const refused = decide({ type: 'not_sent', error: err('MLC_ERR_NETWORK') }, 1, false);
  assert.equal(refused.retry, true);
});

test('client errors are not retried', () => {
  for (const code of ['MLC_ERR_VALIDATION', 'MLC_ERR_NOT_FOUND', 'MLC_ERR_RECONNECT_NEEDED', 'MLC_ERR_BAD_RESPONSE'] as const) {
    const d = decide({ type: 'answered', error: err(code) });
    assert.deepEqual([d.retry, d.reason, d.error.code], [false, 'not_retryable', code]);
  }
});
