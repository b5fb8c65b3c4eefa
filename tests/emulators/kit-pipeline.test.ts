import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { EmulatorContext, createFastify, registerCommonControlRoutes, registerLostResponseHook } from '../../src/emulators/kit/base.ts';
import { refuse, runPipeline, type PipelineHooks } from '../../src/emulators/kit/pipeline.ts';

/**
 * The kit's request pipeline on a tiny emulator of its own, over real HTTP: where faults strike,
 * that refusals stop the request before the handler, and that the concurrency slot is released
 * whatever the handler does. Outcomes are read from the emulator's own state and control routes.
 */

interface Seen {
  authenticated: number;
  handled: number;
  inFlight: number;
  maxInFlight: number;
}

async function withServer(faults: PipelineHooks<string, unknown>['faults'], fn: (base: string, seen: Seen) => Promise<void>): Promise<void> {
  const ctx = new EmulatorContext({ seed: 1, latencyMs: 20 });
  const app = createFastify();
  registerLostResponseHook(app);
  registerCommonControlRoutes(app, ctx);
  const seen: Seen = { authenticated: 0, handled: 0, inFlight: 0, maxInFlight: 0 };
  let expired = false;
  app.get('/api/:what', async (request, reply) => {
    ctx.stats.countCall('GET /api/:what');
    const what = (request.params as { what: string }).what;
    const answer = await runPipeline<string, { status: number; body: unknown }>(ctx, request, {
      faults,
      faultPath: '/api',
      expireAuth: () => (expired = true),
      authenticate: () => {
        seen.authenticated += 1;
        return request.headers.authorization === 'ok' && !expired ? 'user' : refuse({ status: 401, body: { error: 'auth' } });
      },
      admit: () => {
        if (seen.inFlight >= 1) return refuse({ status: 429, body: { error: 'busy' } });
        seen.inFlight += 1;
        seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
        return { release: () => (seen.inFlight -= 1) };
      },
      faultAnswer: (kind, auth) => ({ status: 500, body: { fault: kind, auth: auth ?? null } }),
      handle: (user) => {
        seen.handled += 1;
        if (what === 'throw') throw new Error('handler failed');
        return { status: 200, body: { user } };
      },
    });
    if (answer === null) return reply.hijack();
    return reply.code(answer.status).send(answer.body);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await fn(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, seen);
  } finally {
    await app.close();
  }
}

const call = async (base: string, what = 'x', authorization = 'ok') => {
  const res = await fetch(`${base}/api/${what}`, { headers: { authorization } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const configure = async (base: string, faults: unknown) => {
  const res = await fetch(`${base}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
};

const scriptLeft = async (base: string): Promise<number> => ((await (await fetch(`${base}/_emulator/faults`)).json()) as { faults: { script: unknown[] } }).faults.script.length;

test('at the gateway a fault strikes before authentication; in the gate a refused request draws no fault', async () => {
  await withServer('at-gateway', async (base, seen) => {
    await configure(base, { script: [{ fault: 'server_error' }] });
    assert.deepEqual(await call(base, 'x', 'bad'), { status: 500, body: { fault: 'server_error', auth: null } });
    assert.equal(seen.authenticated, 0, 'the credentials were never looked at');
  });
  await withServer('in-gate', async (base, seen) => {
    await configure(base, { script: [{ fault: 'server_error' }] });
    assert.equal((await call(base, 'x', 'bad')).status, 401);
    assert.equal(await scriptLeft(base), 1, 'the refused request drew no fault');
    assert.deepEqual(await call(base), { status: 500, body: { fault: 'server_error', auth: 'user' } });
    assert.equal(seen.handled, 0);
  });
});

test('forced expiry comes before authentication; a dropped connection reaches no handler', async () => {
  await withServer('in-gate', async (base, seen) => {
    await configure(base, { expireAuthNow: true });
    assert.equal((await call(base)).status, 401);
    assert.equal(seen.handled, 0);
  });
  await withServer('in-gate', async (base, seen) => {
    await configure(base, { script: [{ fault: 'drop' }] });
    await assert.rejects(call(base));
    assert.equal(seen.handled, 0);
    assert.equal(seen.inFlight, 0, 'the dropped request left the slot');
  });
});

test('the slot is held through the latency and released after the handler, even when it throws', () =>
  withServer('in-gate', async (base, seen) => {
    const [a, b] = await Promise.all([call(base), call(base)]);
    assert.deepEqual([a.status, b.status].sort(), [200, 429], 'the second call found the slot taken during the first one’s latency');
    assert.equal((await call(base, 'throw')).status, 500);
    assert.equal(seen.inFlight, 0, 'released after the throw');
    assert.equal((await call(base)).status, 200);
    assert.equal(seen.maxInFlight, 1);
  }));
