import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { EmulatorContext, createFastify, registerCommonControlRoutes } from '../../src/emulators/kit/base.ts';
import { SessionStore } from '../../src/emulators/kit/sessions.ts';

/**
 * The kit's session-login helper on a tiny emulator of its own, over real HTTP, configured as an
 * Acumatica-like service: cookie sessions, 20 minutes idle, at most two live sessions per tenant.
 */

const IDLE_MS = 20 * 60_000;

interface Harness {
  base: string;
  sessions: SessionStore<{ user: string; tenant: string }>;
}

async function withServer(fn: (h: Harness) => Promise<void>): Promise<void> {
  const ctx = new EmulatorContext({ seed: 1 });
  let next = 0;
  const sessions = new SessionStore<{ user: string; tenant: string }>(ctx.clock, { idleMs: IDLE_MS, newId: () => `s${++next}`, cap: 2, capKey: (d) => d.tenant });
  const app = createFastify();
  registerCommonControlRoutes(app, ctx);
  const cookie = (header: string | undefined) => /(?:^|;\s*)sid=([^;]+)/.exec(header ?? '')?.[1];
  app.post('/login', async (request, reply) => {
    const { user, tenant } = request.body as { user: string; tenant: string };
    const opened = sessions.open({ user, tenant });
    if (!opened.ok) return reply.code(500).send({ error: 'API Login Limit', live: opened.live });
    return reply.code(204).header('set-cookie', `sid=${opened.session.id}; HttpOnly`).send();
  });
  app.post('/logout', async (request, reply) => {
    const s = sessions.find(cookie(request.headers.cookie));
    if (s) sessions.end(s);
    return reply.code(204).send();
  });
  app.get('/whoami', async (request, reply) => {
    const s = sessions.find(cookie(request.headers.cookie));
    if (!s) return reply.code(401).send({ error: 'session' });
    sessions.touch(s);
    return s.data;
  });
  app.post('/expire-all', async (_request, reply) => {
    sessions.endAll();
    return reply.code(204).send();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await fn({ base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, sessions });
  } finally {
    await app.close();
  }
}

async function login(h: Harness, user: string, tenant = 't1'): Promise<{ status: number; cookie: string | null }> {
  const res = await fetch(`${h.base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, tenant }) });
  await res.arrayBuffer();
  return { status: res.status, cookie: res.headers.get('set-cookie')?.split(';')[0] ?? null };
}

async function call(h: Harness, path: string, cookie: string, method = 'GET'): Promise<number> {
  const res = await fetch(`${h.base}${path}`, { method, headers: { cookie } });
  await res.arrayBuffer();
  return res.status;
}

async function advance(h: Harness, ms: number): Promise<void> {
  const res = await fetch(`${h.base}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceMs: ms }) });
  await res.arrayBuffer();
}

test('each accepted call slides the idle timer; a session unused for longer than the idle time is over', () =>
  withServer(async (h) => {
    const a = await login(h, 'ann');
    assert.equal(a.status, 204);
    await advance(h, IDLE_MS - 1000);
    assert.equal(await call(h, '/whoami', a.cookie!), 200, 'just inside the idle time');
    await advance(h, IDLE_MS - 1000);
    assert.equal(await call(h, '/whoami', a.cookie!), 200, 'the previous call slid the timer');
    await advance(h, IDLE_MS + 1);
    assert.equal(await call(h, '/whoami', a.cookie!), 401);
    assert.equal(h.sessions.liveCount(), 0);
  }));

test('the cap refuses a login while as many sessions are live for the tenant; logout and idle expiry free places', () =>
  withServer(async (h) => {
    const a = await login(h, 'ann');
    const b = await login(h, 'bob');
    assert.equal((await login(h, 'cy')).status, 500, 'a third live session in t1 is refused');
    assert.equal((await login(h, 'dee', 't2')).status, 204, 'another tenant counts on its own');
    assert.equal(await call(h, '/logout', a.cookie!, 'POST'), 204);
    assert.equal(await call(h, '/whoami', a.cookie!), 401, 'a logged-out session is over');
    const c = await login(h, 'cy');
    assert.equal(c.status, 204, 'logout freed a place');
    assert.equal((await login(h, 'eve')).status, 500);
    await advance(h, IDLE_MS + 1);
    assert.equal((await login(h, 'eve')).status, 204, 'idle sessions no longer count');
    assert.equal(await call(h, '/whoami', b.cookie!), 401);
  }));

test('ending every session (the expire-auth fault) refuses each of them, and new logins work', () =>
  withServer(async (h) => {
    const a = await login(h, 'ann');
    const b = await login(h, 'bob');
    assert.equal(await call(h, '/expire-all', a.cookie!, 'POST'), 204);
    assert.equal(await call(h, '/whoami', a.cookie!), 401);
    assert.equal(await call(h, '/whoami', b.cookie!), 401);
    const again = await login(h, 'ann');
    assert.equal(await call(h, '/whoami', again.cookie!), 200);
  }));
