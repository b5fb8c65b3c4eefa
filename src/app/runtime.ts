import { resolve } from 'node:path';
import { ConnectorError } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/log.ts';
import type { Config, LogLevel } from '../config.ts';
import { openDatabase, type Db } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';
import type { SecretBox } from '../store/repos/secret-box.ts';
import type { EngineDeps } from '../engine/sync.ts';
import { VaultError } from '../vault/errors.ts';
import { openSecretBox } from './secret-box.ts';
import { engineDeps } from './engine-deps.ts';
import { settleCredentialWrites } from './credential-store.ts';

export interface Runtime {
  db: Db;
  box: SecretBox;
  log: Logger;
  dataDir: string;
  deps: EngineDeps;
  close(): Promise<void>;
}

/**
 * What the runtime is opened with. Nothing here is read from the environment: entry points call
 * loadConfig (src/config.ts) once and pass its values, see runtimeOptionsFrom.
 */
export interface RuntimeOptions {
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  masterKey?: string | undefined;
  /** Level of the runtime's own logger (default 'warn'); ignored when `log` is given. */
  logLevel?: LogLevel | undefined;
  log?: Logger;
  /** Settle window for writes in doubt, in seconds (EnginePolicy.settleMs). */
  settleSeconds?: number | undefined;
}

/** The runtime options a loaded configuration stands for; `dataDir` (e.g. a --data-dir flag) wins over the environment's. */
export function runtimeOptionsFrom(config: Config, overrides: { dataDir?: string | undefined } = {}): RuntimeOptions {
  return {
    dataDir: overrides.dataDir !== undefined ? resolve(overrides.dataDir) : config.dataDir,
    databaseUrl: config.databaseUrl,
    masterKey: config.masterKey,
    logLevel: config.logLevel,
    settleSeconds: config.settleSeconds,
  };
}

/** The composition root: database (migrated), secrets, logger and the engine's dependencies. */
export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const dataDir = resolve(options.dataDir ?? '.data');
  const log = options.log ?? createLogger({ level: options.logLevel ?? 'warn' });
  const db = await openDatabase({ dataDir, ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}), logger: log });
  try {
    await migrate(db);
    const box = await openSecretBox({ dataDir, masterKey: options.masterKey }).catch((e: unknown) => {
      throw asConfigError(e);
    });
    const deps: EngineDeps = engineDeps({ db, box, log }, options.settleSeconds !== undefined ? { settleMs: options.settleSeconds * 1000 } : undefined);
    return {
      db, box, log, dataDir, deps,
      close: async () => {
        await settleCredentialWrites(db);
        await db.close();
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}

/**
 * A master key that cannot be used is a configuration problem: MLC_ERR_CONFIG with the vault's
 * message, which names ML_CONNECTOR_MASTER_KEY or the key file and never the key itself.
 */
function asConfigError(e: unknown): unknown {
  if (e instanceof VaultError && (e.reason === 'bad_key' || e.reason === 'loose_key_file')) {
    return new ConnectorError({ code: 'MLC_ERR_CONFIG', message: e.message });
  }
  return e;
}
