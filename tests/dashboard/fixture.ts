/**
 * The dashboard under test as it runs in `serve`: a fastify server on loopback with the dashboard
 * plugin, a worker taking link-work jobs from the durable queue and running them with the engine,
 * both emulators connected through the real OAuth and login paths, and a real database (PostgreSQL
 * when MLC_TEST_DATABASE_URL is set, else embedded PGlite).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { silentLogger } from '../../src/core/log.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { openLinkSides } from '../../src/app/sides.ts';
import { startEmulators, type Emulators } from '../../src/emulators/index.ts';
import type { Link, LinkSettings } from '../../src/engine/link.ts';
import { replay } from '../../src/engine/replay.ts';
import { syncLink, type EngineDeps } from '../../src/engine/sync.ts';
import { connectSandbox } from '../../src/sandbox/connect.ts';
import { linkWorkJob, type LinkWork, type ServerServices } from '../../src/server/contract.ts';
import { dashboardPlugin } from '../../src/server/dashboard/plugin.ts';
import { openDatabase, type Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { startQueue, type Queue } from '../../src/store/queue.ts';
import { getLink } from '../../src/store/repos/links.ts';
import { freshPgliteDataDir } from '../helpers/db.ts';

export interface DashboardFixture {
  /** The dashboard's own URL (it is mounted under a prefix, to prove its links follow it). */
  url: string;
  apiToken: string;
  db: Db;
  deps: EngineDeps;
  link: Link;
  emulators: Emulators;
  services: ServerServices;
  app: FastifyInstance;
  /** Link-work jobs the worker finished, in order. */
  done: LinkWork[];
  close(): Promise<void>;
}

export const prefix = '/dashboard';

async function openTestDatabase(): Promise<{ db: Db; dataDir: string; drop: () => Promise<void> }> {
  const dataDir = await freshPgliteDataDir();
  const serverUrl = process.env.MLC_TEST_DATABASE_URL;
  if (!serverUrl) return { db: await openDatabase({ dataDir }), dataDir, drop: async () => undefined };
  const name = `mlc_dash_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { db: await openDatabase({ databaseUrl: url.toString() }), dataDir, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** The worker the server runs, reduced to what the dashboard sends: sync and replay. */
async function runLinkWork(deps: EngineDeps, work: LinkWork): Promise<void> {
  const link = await getLink(deps.db, work.link);
  if (!link) throw new Error(`no link '${work.link}'`);
  const onProgress = (p: { step: string; done: number; note?: string }) => {
    void deps.db.query("update runs set progress = $2::jsonb where link = $1 and status = 'running'", [link.name, JSON.stringify(p)]).catch(() => undefined);
  };
  if (work.kind === 'sync') await syncLink(deps, link, { onProgress });
  else if (work.kind === 'replay') await replay(deps, link, work.target, { onProgress });
  else await replay(deps, link, { failed: true }, { onProgress });
}

export async function openDashboardFixture(options: { seed?: number; settings?: Partial<LinkSettings> } = {}): Promise<DashboardFixture> {
  const seed = options.seed ?? 11;
  const { db, dataDir, drop } = await openTestDatabase();
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dataDir, { recursive: true, force: true }), drop, () => db.close()];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    await migrate(db);
    const emulators = await startEmulators({ seed });
    cleanups.push(() => emulators.stop());
    const seeded = await fetch(`${emulators.xero!.urls.base}/_emulator/seed`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seed, suppliers: 6, bills: 20, customers: 1, salesInvoices: 1, purchaseOrders: 0 }),
    });
    if (!seeded.ok) throw new Error(`Xero seed failed: ${seeded.status}`);
    emulators.bill!.seed({ seed, vendors: 0, bills: 0 });

    const log = silentLogger;
    const box = await openSecretBox({ dataDir, masterKey: randomBytes(32).toString('hex') });
    const deps: EngineDeps = { db, log, open: (l) => openLinkSides({ db, box, log }, l) };
    const rt: Runtime = { db, box, log, dataDir, deps, close: async () => undefined };
    const { link } = await connectSandbox(rt, emulators, { linkName: 'main', settings: options.settings ?? {} });

    const queue: Queue = await startQueue(db, { jobs: [linkWorkJob], statsIntervalSeconds: 1 });
    cleanups.push(() => queue.stop({ timeoutMs: 5000 }));
    const done: LinkWork[] = [];
    await queue.work(linkWorkJob, async (work) => {
      await runLinkWork(deps, work);
      done.push(work);
    });

    const apiToken = randomBytes(24).toString('base64url');
    const app = Fastify({ logger: false });
    cleanups.push(() => app.close());
    const services: ServerServices = { db, box, log, deps, queue, apiToken, publicUrl: 'http://127.0.0.1' };
    await app.register(dashboardPlugin, { prefix, services });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    services.publicUrl = address;
    return { url: `${address}${prefix}`, apiToken, db, deps, link, emulators, services, app, done, close: cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
