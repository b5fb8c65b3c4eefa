import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { ConnectorError } from '../../src/core/errors.ts';
import { createLogger } from '../../src/core/log.ts';
import { isAmbiguousWrite } from '../../src/http/ambiguous-write-error.ts';
import { Transport, type Authorizer, type HttpFailure } from '../../src/http/transport.ts';
import { json, startLocalServer } from './local-server.ts';

const classify = (f: HttpFailure) =>
  new ConnectorError({
    code: f.status === 401 ? 'MLC_ERR_AUTH_EXPIRED' : f.status === 429 ? 'MLC_ERR_RATE_LIMITED' : f.status >= 500 ? 'MLC_ERR_SERVER' : 'MLC_ERR_VALIDATION',
    system: 'test',
    status: f.status,
    message: `status ${f.status}`,
    ...(f.headers.get('retry-after') ? { retryAfterMs: Number(f.headers.get('retry-after')) * 1000 } : {}),
  });

function makeTransport(extra: { timeoutMs?: number; logger?: ReturnType<typeof createLogger> } = {}) {
  const waits: number[] = [];
  const transport = new Transport({
    system: 'test',
    classify,
    timers: { now: () => Date.now(), sleep: async (ms) => { waits.push(ms); } },
    random: () => 0.5,
    retryPolicy: { maxAttempts: 4, maxRateLimitAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, maxWaitMs: 60_000 },
    ...extra,
  });
  return { transport, waits };
}

test('5xx is retried with backoff, Retry-After is honoured, and the JSON body decoded', async () => {
  const server = await startLocalServer((_req, res, i) => {
    if (i === 0) return json(res, 503, { error: 'down' });
    if (i === 1) return json(res, 429, {}, { 'retry-after': '3' });
    return json(res, 200, { ok: true, n: 1 });
  });
  try {
    const { transport, waits } = makeTransport();
    const res = await transport.request({ method: 'GET', url: `${server.url}/thing`, query: { a: 1, b: undefined }, operation: 'test.get' }, z.object({ ok: z.boolean() }));
    assert.deepEqual(res.body, { ok: true });
    assert.deepEqual(waits, [50, 3000]);
    assert.equal(server.seen.length, 3);
    assert.equal(server.seen[0]!.url, '/thing?a=1');
    assert.equal(server.seen[0]!.headers.accept, 'application/json');
    const m = transport.metrics;
    assert.deepEqual([m.calls, m.retries, m.failures, m.rejections], [3, 2, 0, { server: 1, rate_limited: 1 }]);
  } finally {
    await server.stop();
  }
});

test('a write whose connection drops after sending is ambiguous and sent only once; a read is retried', async () => {
  const server = await startLocalServer((req, res, i) => {
    if (req.method === 'POST' || i === 1) {
      res.socket?.destroy();
      return;
    }
    json(res, 200, { fine: true });
  });
  try {
    const { transport } = makeTransport();
    await assert.rejects(transport.request({ method: 'POST', url: `${server.url}/payments`, json: { amount: 1 }, operation: 'test.create' }), (e: unknown) => {
      assert.ok(isAmbiguousWrite(e));
      assert.equal(e.code, 'MLC_ERR_AMBIGUOUS_WRITE');
      assert.equal(e.underlyingCode, 'MLC_ERR_NETWORK');
      assert.match(e.message, /POST \/payments.*outcome unknown/);
      return true;
    });
    assert.equal(server.seen.filter((r) => r.method === 'POST').length, 1);
    const read = await transport.request({ method: 'GET', url: `${server.url}/x`, operation: 'test.read' });
    assert.deepEqual(read.body, { fine: true });
    assert.equal(server.seen.length, 3);
  } finally {
    await server.stop();
  }
});

test('a timeout on a write is ambiguous; a refused connection is safe to retry', async () => {
  const server = await startLocalServer(() => undefined);
  try {
    const { transport } = makeTransport({ timeoutMs: 200 });
    await assert.rejects(transport.request({ method: 'PUT', url: `${server.url}/slow`, json: {}, operation: 'test.put' }), (e: unknown) => isAmbiguousWrite(e) && e.code === 'MLC_ERR_AMBIGUOUS_WRITE' && e.underlyingCode === 'MLC_ERR_TIMEOUT');
    assert.equal(server.seen.length, 1);
  } finally {
    await server.stop();
  }
  const dead = await startLocalServer(() => undefined);
  const deadUrl = dead.url;
  await dead.stop();
  const { transport, waits } = makeTransport();
  await assert.rejects(transport.request({ method: 'POST', url: `${deadUrl}/x`, json: {}, operation: 'test.post' }), (e: unknown) => {
    assert.ok(e instanceof ConnectorError && !isAmbiguousWrite(e));
    assert.equal(e.code, 'MLC_ERR_NETWORK');
    assert.match(e.message, /ECONNREFUSED/);
    return true;
  });
  assert.equal(waits.length, 3, 'retried until attempts ran out');
});

test('a 2xx that is not JSON or has the wrong shape is MLC_ERR_BAD_RESPONSE (ambiguous for writes)', async () => {
  const server = await startLocalServer((req, res) => {
    if (req.url === '/xml') {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<Response/>');
      return;
    }
    json(res, 200, { items: 'nope' });
  });
  try {
    const { transport } = makeTransport();
    await assert.rejects(transport.request({ method: 'GET', url: `${server.url}/xml`, operation: 'test.xml' }), /not JSON \(text\/xml\)/);
    await assert.rejects(transport.request({ method: 'GET', url: `${server.url}/shape`, operation: 'test.shape' }, z.object({ items: z.array(z.string()) })), (e: unknown) => {
      assert.ok(e instanceof ConnectorError && e.code === 'MLC_ERR_BAD_RESPONSE' && /items: /.test(e.message));
      return true;
    });
    await assert.rejects(transport.request({ method: 'POST', url: `${server.url}/xml`, json: {}, operation: 'test.create' }), (e: unknown) => isAmbiguousWrite(e) && e.code === 'MLC_ERR_AMBIGUOUS_WRITE' && e.underlyingCode === 'MLC_ERR_BAD_RESPONSE');
  } finally {
    await server.stop();
  }
});

test('a fresh credential that is refused too is renewed again, up to three credentials per call', async () => {
  const server = await startLocalServer((req, res) => {
    // Every session up to v3 is ended on the service side as soon as it is issued.
    if (!/^Bearer token-v[4-9]/.test(String(req.headers.authorization))) return json(res, 401, { detail: 'TokenExpired' });
    return json(res, 200, { ok: true });
  });
  try {
    let version = 0;
    const auth: Authorizer = {
      authorize: async () => ({ headers: { authorization: `Bearer token-v${version}` }, credentialTag: `v${version}` }),
      renew: async (tag) => {
        if (tag === `v${version}`) version += 1;
      },
    };
    const { transport } = makeTransport();
    await assert.rejects(transport.request({ method: 'GET', url: `${server.url}/a`, operation: 'test.auth', auth }), (e: unknown) => (e as ConnectorError).code === 'MLC_ERR_AUTH_EXPIRED');
    assert.equal(version, 3, 'three renewals, then it gives up');
    assert.equal(server.seen.length, 4, 'the first try and one repeat per renewal');
    version = 3;
    const res = await transport.request({ method: 'GET', url: `${server.url}/a`, operation: 'test.auth', auth });
    assert.deepEqual(res.body, { ok: true }, 'a credential refused at once is renewed again and the call succeeds');
    assert.equal(version, 4);
  } finally {
    await server.stop();
  }
});

test('an expired credential is renewed once and the call repeated once; logs carry no secrets', async () => {
  let valid = 'token-v1-abcdef';
  const server = await startLocalServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${valid}`) return json(res, 401, { detail: `TokenExpired ${req.headers.authorization}` });
    return json(res, 200, { ok: true });
  });
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } }) });
  try {
    let current = 'token-v0-stale00';
    let renewals = 0;
    const auth: Authorizer = {
      authorize: async () => ({ headers: { authorization: `Bearer ${current}` }, credentialTag: current }),
      renew: async (tag) => {
        if (tag === current) {
          renewals += 1;
          current = valid;
        }
      },
    };
    const { transport } = makeTransport({ logger });
    const res = await transport.request({ method: 'GET', url: `${server.url}/a`, operation: 'test.auth', auth });
    assert.deepEqual(res.body, { ok: true });
    assert.equal(renewals, 1);
    valid = 'token-v2-never00';
    const stuck: Authorizer = { authorize: auth.authorize, renew: async () => undefined };
    await assert.rejects(transport.request({ method: 'GET', url: `${server.url}/a`, operation: 'test.auth', auth: stuck }), (e: unknown) => (e as ConnectorError).code === 'MLC_ERR_AUTH_EXPIRED');
    assert.equal(server.seen.length, 4, 'second request: one try, one renewal, one repeat, then it gives up');
    const log = lines.join('');
    assert.match(log, /credential expired/);
    for (const secret of ['token-v0-stale00', 'token-v1-abcdef', 'token-v2-never00']) assert.ok(!log.includes(secret), `log leaks ${secret}`);
  } finally {
    await server.stop();
  }
});
