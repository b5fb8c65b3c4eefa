import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpFailure } from '../../src/http/transport.ts';
import { classifyBillFailure } from '../../src/systems/bill/errors.ts';

const NOW = Date.UTC(2026, 0, 5, 10, 20, 0);
const failure = (status: number, items: { code: string; message: string }[] | string): HttpFailure => {
  const bodyText = typeof items === 'string' ? items : JSON.stringify(items.map((i) => ({ timestamp: 'x', severity: 'ERROR', category: 'REQUEST', ...i })));
  let json: unknown;
  try { json = JSON.parse(bodyText); } catch { json = undefined; }
  return { system: 'bill', request: 'GET /connect/v3/vendors', status, headers: new Headers(), bodyText, json, now: NOW };
};

test('BILL errors are classified by code whatever the status', () => {
  for (const status of [400, 429, 503]) {
    const c = classifyBillFailure(failure(status, [{ code: 'BDC_1322', message: 'Max number of concurrent requests per organization reached.' }]));
    assert.deepEqual([c.code, c.vendorCode, c.retryAfterMs], ['MLC_ERR_RATE_LIMITED', 'BDC_1322', undefined]);
  }
  const hourly = classifyBillFailure(failure(400, [{ code: 'BDC_1144', message: 'Max number of allowed requests per hour reached: 20000.' }]));
  assert.deepEqual([hourly.code, hourly.retryAfterMs], ['MLC_ERR_DAILY_LIMIT', 40 * 60_000]);
});

test('session, credentials, not-found, server and validation codes', () => {
  assert.equal(classifyBillFailure(failure(401, [{ code: 'BDC_1109', message: 'Session is invalid.  Please log in.' }])).code, 'MLC_ERR_AUTH_EXPIRED');
  assert.equal(classifyBillFailure(failure(400, [{ code: 'BDC_1109', message: 'Session is invalid.' }])).code, 'MLC_ERR_AUTH_EXPIRED');
  assert.equal(classifyBillFailure(failure(401, 'Unauthorized')).code, 'MLC_ERR_AUTH_EXPIRED');
  const bad = classifyBillFailure(failure(400, [{ code: 'BDC_1101', message: 'User name and/or password do not match our records.' }]));
  assert.equal(bad.code, 'MLC_ERR_BAD_CREDENTIALS');
  assert.match(bad.message, /ml-connector connect bill/);
  assert.equal(classifyBillFailure(failure(400, [{ code: 'BDC_1102', message: 'Developer key is invalid.' }])).vendorCode, 'BDC_1102');
  assert.equal(classifyBillFailure(failure(404, [{ code: 'BDC_1121', message: 'API not supported.' }])).code, 'MLC_ERR_NOT_FOUND');
  assert.equal(classifyBillFailure(failure(500, [{ code: 'BDC_1001', message: 'System error occurred.' }])).code, 'MLC_ERR_SERVER');
  const v = classifyBillFailure(failure(400, [{ code: 'BDC_1002', message: 'name is required' }, { code: 'BDC_1002', message: 'dueDate is invalid' }]));
  assert.equal(v.code, 'MLC_ERR_VALIDATION');
  assert.match(v.message, /name is required.*dueDate is invalid/);
});
