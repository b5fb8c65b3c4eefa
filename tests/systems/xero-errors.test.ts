import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpFailure } from '../../src/http/transport.ts';
import { classifyXeroFailure } from '../../src/systems/xero/errors.ts';
import { registerSecret } from '../../src/core/redact.ts';

const NOW = Date.UTC(2026, 0, 5, 10, 0, 0);
const failure = (status: number, body: unknown, headers: Record<string, string> = {}): HttpFailure => {
  const bodyText = typeof body === 'string' ? body : JSON.stringify(body);
  let json: unknown;
  try { json = JSON.parse(bodyText); } catch { json = undefined; }
  return { system: 'xero', request: 'GET /api.xro/2.0/Invoices', status, headers: new Headers(headers), bodyText, json, now: NOW };
};

test('401 TokenExpired (either key casing) asks for a refresh', () => {
  const pascal = classifyXeroFailure(failure(401, { Type: null, Title: 'Unauthorized', Status: 401, Detail: 'TokenExpired: token expired at 04/09/2023 05:16:59' }));
  assert.deepEqual([pascal.code, pascal.vendorCode, pascal.status], ['MLC_ERR_AUTH_EXPIRED', 'TokenExpired', 401]);
  const lower = classifyXeroFailure(failure(401, { title: 'Unauthorized', detail: 'TokenExpired: token expired' }));
  assert.equal(lower.vendorCode, 'TokenExpired');
});

test('403 AuthenticationUnsuccessful means reconnect, and says how', () => {
  const e = classifyXeroFailure(failure(403, { title: 'Forbidden', status: 403, detail: 'AuthenticationUnsuccessful', instance: 'x' }));
  assert.equal(e.code, 'MLC_ERR_RECONNECT_NEEDED');
  assert.match(e.message, /ml-connector connect xero/);
  assert.equal(classifyXeroFailure(failure(403, { Detail: 'Something else' })).code, 'MLC_ERR_FORBIDDEN');
});

test('429 is classified by X-Rate-Limit-Problem with Retry-After', () => {
  const minute = classifyXeroFailure(failure(429, '', { 'X-Rate-Limit-Problem': 'minute', 'Retry-After': '17' }));
  assert.deepEqual([minute.code, minute.retryAfterMs, minute.vendorCode], ['MLC_ERR_RATE_LIMITED', 17_000, 'rate-limit:minute']);
  const day = classifyXeroFailure(failure(429, '', { 'x-rate-limit-problem': 'Day', 'retry-after': '3600' }));
  assert.deepEqual([day.code, day.retryAfterMs], ['MLC_ERR_DAILY_LIMIT', 3_600_000]);
  const concurrent = classifyXeroFailure(failure(429, '', { 'x-rate-limit-problem': 'concurrent' }));
  assert.deepEqual([concurrent.code, concurrent.retryAfterMs], ['MLC_ERR_RATE_LIMITED', undefined]);
  const app = classifyXeroFailure(failure(429, '', { 'x-rate-limit-problem': 'appminute', 'retry-after': '2' }));
  assert.equal(app.vendorCode, 'rate-limit:appminute');
});

test('400 ValidationException collects every element message', () => {
  const e = classifyXeroFailure(
    failure(400, {
      ErrorNumber: 10,
      Type: 'ValidationException',
      Message: 'A validation exception occurred',
      Elements: [
        { InvoiceID: 'a', ValidationErrors: [{ Message: 'Payment amount exceeds the amount outstanding on this document' }] },
        { InvoiceID: 'b', validationErrors: [{ message: 'Payments can only be made against Authorised documents' }] },
      ],
    }),
  );
  assert.equal(e.code, 'MLC_ERR_VALIDATION');
  assert.match(e.message, /exceeds the amount outstanding.*Authorised documents/);
  assert.equal(e.vendorCode, 'ValidationException');
  assert.equal(classifyXeroFailure(failure(400, { ErrorNumber: 14, Type: 'PostDataInvalidException', Message: 'JSON request body could not be read' })).code, 'MLC_ERR_BUG');
});

test('404, 5xx and token endpoint errors', () => {
  assert.equal(classifyXeroFailure(failure(404, { Message: 'The document with the supplied id was not found for this endpoint.' })).code, 'MLC_ERR_NOT_FOUND');
  const unavailable = classifyXeroFailure(failure(503, 'Service Unavailable', { 'retry-after': '5' }));
  assert.deepEqual([unavailable.code, unavailable.retryAfterMs], ['MLC_ERR_SERVER', 5000]);
  const grant = classifyXeroFailure(failure(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }));
  assert.equal(grant.code, 'MLC_ERR_RECONNECT_NEEDED');
  assert.match(grant.message, /ml-connector connect xero/);
  assert.equal(classifyXeroFailure(failure(400, { error: 'invalid_client' })).code, 'MLC_ERR_CONFIG');
});

test('vendor bodies are capped and scrubbed of secrets', () => {
  const token = 'eyJhbGciOiJSUzI1NiIsImtpZCI6InRva2VuLXRlc3QifQ.secret-part';
  registerSecret(token);
  const e = classifyXeroFailure(failure(500, `upstream echoed Bearer ${token} ${'x'.repeat(5000)}`));
  assert.ok(!e.vendorBody!.includes(token));
  assert.ok(!e.message.includes(token));
  assert.ok(e.vendorBody!.length < 2100);
});
