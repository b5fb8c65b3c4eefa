import { resolve } from 'node:path';
import { createLogger, type Logger } from '../core/log.ts';
import { openDatabase, type Db } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';
import type { SecretBox } from '../store/repos/secret-box.ts';
import type { EngineDeps } from '../engine/sync.ts';
import { openSecretBox } from './secret-box.ts';
import { openLinkSides } from './sides.ts';

export interface Runtime {
  db: Db;
  box: SecretBox;
  log: Logger;
  dataDir: string;
  deps: EngineDeps;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  masterKey?: string | undefined;
  log?: Logger;
}

/** The composition root: database (migrated), secrets, logger and the engine's dependencies. */
export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const dataDir = resolve(options.dataDir ?? '.data');
  const log = options.log ?? createLogger({ level: process.env.ML_CONNECTOR_LOG_LEVEL ?? 'warn' });
  const db = await openDatabase({ dataDir, ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}), logger: log });
  try {
    await migrate(db);
    const box = await openSecretBox({ dataDir, masterKey: options.masterKey });
    const deps: EngineDeps = { db, log, open: (link) => openLinkSides({ db, box, log }, link) };
    return { db, box, log, dataDir, deps, close: () => db.close() };
  } catch (e) {
    await db.close();
    throw e;
  }
}
