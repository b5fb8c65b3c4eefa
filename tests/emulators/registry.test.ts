import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { emulatorIds, startEmulators } from '../../src/emulators/index.ts';

/** The emulator registry: ports in registry order, `only`, the ready line, and no port left taken when a start fails. */

const listen = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** A base port with room for every emulator after it, all free at the time of asking. */
async function freeBase(): Promise<number> {
  for (;;) {
    const probe = await listen(0);
    const base = (probe.address() as { port: number }).port;
    await close(probe);
    if (base + emulatorIds.length > 65_535) continue;
    // Every port taken for the probe is let go again, also when another one of them is in use
    // (a probe left listening would keep this test's process from ever exiting).
    const held = await Promise.allSettled(emulatorIds.map((_, i) => listen(base + i)));
    await Promise.all(held.flatMap((h) => (h.status === 'fulfilled' ? [close(h.value)] : [])));
    if (held.every((h) => h.status === 'fulfilled')) return base;
    // Something else holds one of them; try another base.
  }
}

const portOf = (url: string): number => Number(new URL(url).port);

test('the registry starts every emulator in order on port, port + 1, … and describes each under its id', async () => {
  const base = await freeBase();
  const emulators = await startEmulators({ port: base, seed: 3 });
  try {
    assert.equal(portOf(emulators.xero!.urls.base), base);
    assert.equal(portOf(emulators.bill!.urls.base), base + 1);
    const ready = emulators.describe() as Record<string, { control: string }>;
    assert.deepEqual(Object.keys(ready), [...emulatorIds]);
    const stats = await fetch(`${ready.bill!.control}/stats`);
    assert.equal(stats.status, 200);
    await stats.arrayBuffer();
  } finally {
    await emulators.stop();
  }
});

test('only: the others are null and absent from the ready line, and ports keep their registry place', async () => {
  const base = await freeBase();
  const emulators = await startEmulators({ only: ['bill'], port: base, seed: 3 });
  try {
    assert.equal(emulators.xero, null);
    assert.equal(portOf(emulators.bill!.urls.base), base + 1, 'BILL keeps port + 1 when Xero is not started');
    assert.deepEqual(Object.keys(emulators.describe()), ['bill']);
  } finally {
    await emulators.stop();
  }
});

test('when one emulator cannot start, those already started are stopped and their ports are free again', async () => {
  const base = await freeBase();
  const blocker = await listen(base + 1);
  try {
    await assert.rejects(startEmulators({ port: base, seed: 3 }), /EADDRINUSE/);
    // Xero had started on `base`; it must have been stopped, so the port can be taken again.
    const again = await listen(base);
    await close(again);
  } finally {
    await close(blocker);
  }
});
