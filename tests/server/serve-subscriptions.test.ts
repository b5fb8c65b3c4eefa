import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { forEachBackend } from '../helpers/db.ts';
import { ServerSandbox } from './server-fixture.ts';
import type { Json } from '../engine/sandbox-fixture.ts';

/** A free loopback port, so the public URL can be given before the server listens. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const address = probe.address();
  await new Promise<void>((r) => probe.close(() => r()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

forEachBackend('serve with --public-url manages the BILL webhook subscription', (b) => {
  test('a worker started with a public URL creates one subscription at BILL, keeps its key sealed, and a restart reuses it', async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    let s = await ServerSandbox.open(b, { serve: { port, publicUrl } });
    try {
      const subscription = await until('the subscription at BILL', async () => ((await s.sandbox.billState()).subscriptions as Json[])[0]);
      assert.equal(subscription.notificationUrl, `${publicUrl}/webhooks/bill`);
      assert.equal(subscription.status?.enabled ?? subscription.enabled, true);
      const row = await until('the stored subscription', async () => (await b.db.query<{ subscription_id: string | null; security_key: string | null }>('select subscription_id, security_key from bill_subscriptions')).rows.find((r) => r.subscription_id && r.security_key));
      assert.equal(row.subscription_id, subscription.id);
      assert.match(row.security_key!, /^v1\./, 'the security key is stored sealed by the vault');
    } finally {
      await s.server.stop();
    }
    // A second start finds the stored subscription and creates no other.
    const { startServer } = await import('../../src/server/start.ts');
    const again = await startServer(s.sandbox.rt, { role: 'all', port, publicUrl, apiToken: 'test-token-0123456789abcdef', stopTimeoutMs: 5_000 });
    try {
      await until('the check of the stored subscription', async () => (await b.db.query<{ last_checked_at: string | null }>('select last_checked_at from bill_subscriptions')).rows[0]?.last_checked_at);
      assert.equal(((await s.sandbox.billState()).subscriptions as Json[]).length, 1, 'still one subscription');
    } finally {
      await again.stop();
      await s.sandbox.close();
    }
  });

  test('without a public URL no subscription is made', async () => {
    const s = await ServerSandbox.open(b, { linkName: 'quiet' });
    try {
      const ran = await s.call('POST', '/api/links/quiet/sync');
      assert.equal(ran.status, 202);
      await s.waitForJob(String(ran.body.jobId));
      assert.deepEqual((await s.sandbox.billState()).subscriptions, []);
    } finally {
      await s.close();
    }
  });
});
