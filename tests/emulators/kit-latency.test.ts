import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { EmulatorContext, bulkItemCount, createFastify, registerCommonControlRoutes } from '../../src/emulators/kit/base.ts';
import { admitAll, runPipeline } from '../../src/emulators/kit/pipeline.ts';

/**
 * The kit's per-item latency over real HTTP: a bulk call of N items is held N × the per-item
 * latency longer than a single one. The delay is read from what the kit reports
 * (`GET /_emulator/latency`), and the wall time only as a lower bound, which sleeping guarantees.
 */

async function withServer(fn: (base: string) => Promise<void>): Promise<void> {
  const ctx = new EmulatorContext({ seed: 1, latencyMs: 0, latencyPerItemMs: 10 });
  const app = createFastify();
  registerCommonControlRoutes(app, ctx);
  app.post('/api/things', async (request, reply) => {
    const answer = await runPipeline<string, { status: number; body: unknown }>(ctx, request, {
      faults: 'in-gate',
      faultPath: '/api',
      authenticate: () => 'user',
      admit: admitAll,
      faultAnswer: (kind) => ({ status: 500, body: { fault: kind } }),
      handle: () => ({ status: 200, body: { ok: true } }),
    });
    if (answer === null) return reply.hijack();
    return reply.code(answer.status).send(answer.body);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await fn(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
  } finally {
    await app.close();
  }
}

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const held = async (base: string): Promise<number> => ((await (await fetch(`${base}/_emulator/latency`)).json()) as { itemLatencyHeldMs: number }).itemLatencyHeldMs;

test('bulk bodies count their items: a JSON array, or an object whose only field is an array', () => {
  assert.equal(bulkItemCount([{}, {}, {}]), 3);
  assert.equal(bulkItemCount({ Invoices: [{}, {}] }), 2);
  assert.equal(bulkItemCount({ Type: 'ACCPAY', LineItems: [{}, {}] }), 0);
  assert.equal(bulkItemCount({ name: 'one vendor' }), 0);
  assert.equal(bulkItemCount(undefined), 0);
});

test('a bulk call of 50 items is held 50 × the per-item latency; a single record adds none', async () => {
  await withServer(async (base) => {
    assert.equal((await post(`${base}/api/things`, { name: 'one' })).status, 200);
    assert.equal(await held(base), 0);

    const started = performance.now();
    assert.equal((await post(`${base}/api/things`, Array.from({ length: 50 }, (_, i) => ({ i })))).status, 200);
    const wallMs = performance.now() - started;
    assert.equal(await held(base), 500);
    assert.ok(wallMs >= 490, `the bulk call answered after ${wallMs} ms, before its 500 ms of per-item latency`);

    assert.equal((await post(`${base}/api/things`, { Payments: [{}, {}, {}] })).status, 200);
    assert.equal(await held(base), 530);
  });
});

test('the per-item latency can be changed at run time and refuses a negative figure', async () => {
  await withServer(async (base) => {
    assert.equal((await post(`${base}/_emulator/latency`, { latencyPerItemMs: -1 })).status, 400);
    assert.deepEqual(await (await post(`${base}/_emulator/latency`, { latencyPerItemMs: 0 })).json(), { latencyMs: 0, latencyPerItemMs: 0 });
    assert.equal((await post(`${base}/api/things`, [{}, {}])).status, 200);
    assert.equal(await held(base), 0);
  });
});
