/**
 * The dashboard under test on a real database (PostgreSQL when MLC_TEST_DATABASE_URL is set, else
 * embedded PGlite) with both emulators connected through the real OAuth and login paths. Two ways:
 *  - 'serve': the whole `ml-connector serve` (startServer, role 'all'): the dashboard at the root
 *    next to the API, the real link-work workers and poll schedules;
 *  - 'plugin': the dashboard plugin alone under a prefix (proving its links follow the prefix) in
 *    its own fastify instance, with the real link-work workers.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { silentLogger } from '../../src/core/log.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { engineDeps } from '../../src/app/engine-deps.ts';
import { startEmulators, type Emulators } from '../../src/emulators/index.ts';
import type { Link, LinkSettings } from '../../src/model/link.ts';
import type { EngineDeps } from '../../src/engine/sync.ts';
import { connectSandbox } from '../../src/sandbox/connect.ts';
import type { LinkWork, ServerServices } from '../../src/server/contract.ts';
import { dashboardPlugin } from '../../src/server/dashboard/plugin.ts';
import { startServer } from '../../src/server/start.ts';
import { startLinkWorkers } from '../../src/server/worker/index.ts';
import { openDatabase, type Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { startQueue, type Queue } from '../../src/store/queue.ts';
import { createScratchDatabase, freshPgliteDataDir } from '../helpers/db.ts';

export interface DashboardFixture {
  /** The dashboard's own URL. */
  url: string;
  /** Its path prefix ('' at the root). */
  prefix: string;
  apiToken: string;
  db: Db;
  deps: EngineDeps;
  link: Link;
  emulators: Emulators;
  services: ServerServices;
  app: FastifyInstance;
  /** Link-work jobs the worker finished, in order ('plugin' mode; in 'serve' mode read the runs table). */
  done: LinkWork[];
  close(): Promise<void>;
}

/** A poll schedule that cannot fire while a test runs, so only the test's own presses start work. */
const neverDuringTests = '0 3 29 2 *';

async function openTestDatabase(): Promise<{ db: Db; dataDir: string; drop: () => Promise<void> }> {
  const dataDir = await freshPgliteDataDir();
  const serverUrl = process.env.MLC_TEST_DATABASE_URL;
  if (!serverUrl) return { db: await openDatabase({ dataDir }), dataDir, drop: async () => undefined };
  const { url, drop } = await createScratchDatabase(serverUrl, 'mlc_dash');
  return { db: await openDatabase({ databaseUrl: url }), dataDir, drop };
}

export interface FixtureOptions {
  mode: 'serve' | 'plugin';
  seed?: number;
  settings?: Partial<LinkSettings>;
}

export async function openDashboardFixture(options: FixtureOptions): Promise<DashboardFixture> {
  const seed = options.seed ?? 11;
  const { db, dataDir, drop } = await openTestDatabase();
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dataDir, { recursive: true, force: true }), drop, () => db.close()];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    await migrate(db);
    const emulators = await startEmulators({ only: ['xero', 'bill'], seed });
    cleanups.push(() => emulators.stop());
    const seeded = await fetch(`${emulators.xero!.urls.base}/_emulator/seed`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seed, suppliers: 6, bills: 20, customers: 1, salesInvoices: 1, purchaseOrders: 0 }),
    });
    if (!seeded.ok) throw new Error(`Xero seed failed: ${seeded.status}`);
    emulators.bill!.seed({ seed, vendors: 0, bills: 0 });

    const log = silentLogger;
    const box = await openSecretBox({ dataDir, masterKey: randomBytes(32).toString('hex') });
    const deps: EngineDeps = engineDeps({ db, box, log });
    const rt: Runtime = { db, box, log, dataDir, deps, close: async () => undefined };
    const { link } = await connectSandbox(rt, emulators, { linkName: 'main', settings: { pollCron: neverDuringTests, ...options.settings } });
    const apiToken = randomBytes(24).toString('base64url');
    const done: LinkWork[] = [];

    if (options.mode === 'serve') {
      const server = await startServer(rt, { role: 'all', host: '127.0.0.1', port: 0, apiToken, stopTimeoutMs: 5000 });
      cleanups.push(() => server.stop());
      return { url: server.url!, prefix: '', apiToken, db, deps, link, emulators, services: server.services, app: server.app!, done, close: cleanup };
    }

    const queue: Queue = await startQueue(db, { statsIntervalSeconds: 1 });
    cleanups.push(() => queue.stop({ timeoutMs: 5000 }));
    const services: ServerServices = { db, box, log, deps, queue, apiToken, publicUrl: 'http://127.0.0.1' };
    await startLinkWorkers(services, { onRun: (work) => done.push(work) });
    const app = Fastify({ logger: false });
    cleanups.push(() => app.close());
    const prefix = '/dashboard';
    await app.register(dashboardPlugin, { prefix, services });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    services.publicUrl = address;
    return { url: `${address}${prefix}`, prefix, apiToken, db, deps, link, emulators, services, app, done, close: cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
