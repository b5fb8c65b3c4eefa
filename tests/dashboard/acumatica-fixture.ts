/**
 * An Acumatica ⇄ BILL link behind the whole `ml-connector serve` (startServer, role 'all', the
 * dashboard at the root next to the API) on the embedded database, both emulators connected through
 * the paths a user takes: for the mapping page's HTTP and browser tests.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { silentLogger } from '../../src/core/log.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { engineDeps } from '../../src/app/engine-deps.ts';
import { startEmulators, type Emulators } from '../../src/emulators/index.ts';
import { connectAcumaticaSandbox } from '../../src/sandbox/connect-acumatica.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { openDatabase } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { getLink } from '../../src/store/repos/links.ts';
import { freshPgliteDataDir } from '../helpers/db.ts';

export interface AcumaticaDashboard {
  /** The server's URL (the dashboard is at its root). */
  url: string;
  apiToken: string;
  rt: Runtime;
  emulators: Emulators;
  server: RunningServer;
  /** The link 'acu''s subaccountDepartments setting as saved now. */
  storedMap(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function openAcumaticaDashboard(seed: number): Promise<AcumaticaDashboard> {
  const dataDir = await freshPgliteDataDir();
  const db = await openDatabase({ dataDir });
  const cleanups: (() => Promise<unknown>)[] = [async () => rmSync(dataDir, { recursive: true, force: true }), () => db.close()];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    await migrate(db);
    const emulators = await startEmulators({ only: ['acumatica', 'bill'], seed });
    cleanups.push(() => emulators.stop());
    emulators.acumatica!.seed({ seed, vendors: 4, bills: 12 });
    emulators.bill!.seed({ seed, vendors: 0, bills: 0 });
    const box = await openSecretBox({ dataDir, masterKey: randomBytes(32).toString('hex') });
    const rt: Runtime = { db, box, log: silentLogger, dataDir, deps: engineDeps({ db, box, log: silentLogger }), close: async () => undefined };
    // A poll schedule that cannot fire while a test runs: only the test starts work.
    await connectAcumaticaSandbox(rt, { acumatica: emulators.acumatica!, bill: emulators.bill! }, { linkName: 'acu', settings: { pollCron: '0 3 29 2 *' } });
    const apiToken = randomBytes(24).toString('base64url');
    const server = await startServer(rt, { role: 'all', host: '127.0.0.1', port: 0, apiToken, stopTimeoutMs: 5000 });
    cleanups.push(() => server.stop());
    const storedMap = async () => ((await getLink(db, 'acu'))!.settings as Record<string, unknown>).subaccountDepartments as Record<string, string>;
    return { url: server.url!, apiToken, rt, emulators, server, storedMap, close };
  } catch (e) {
    await close();
    throw e;
  }
}
