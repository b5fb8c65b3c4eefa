import { resolve } from 'node:path';
import { z } from 'zod';
import { ConnectorError } from './core/errors.ts';

/**
 * The one place that reads the process environment. Everything else receives these values as
 * arguments, so tests and embedders never have to mutate process.env.
 */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const envSchema = z.object({
  DATABASE_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// connection URL')
      .optional(),
  ),
  ML_CONNECTOR_DATA_DIR: z.preprocess(blankToUndefined, z.string().optional()),
  // Only presence is checked here; the vault validates length and encoding (and never echoes it).
  ML_CONNECTOR_MASTER_KEY: z.preprocess(blankToUndefined, z.string().optional()),
  ML_CONNECTOR_LOG_LEVEL: z.preprocess(blankToUndefined, z.enum(logLevels).optional()),
  ML_CONNECTOR_API_TOKEN: z.preprocess(
    blankToUndefined,
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  ML_CONNECTOR_SETTLE_SECONDS: z.preprocess(
    blankToUndefined,
    z.coerce.number().int('must be a whole number of seconds').min(0, 'must be 0 or more').max(3600, 'must be at most 3600').optional(),
  ),
});

export interface Config {
  /** PostgreSQL server to use; absent means embedded PGlite under dataDir. */
  readonly databaseUrl: string | undefined;
  /** Absolute path of the data directory (PGlite files, master key file). */
  readonly dataDir: string;
  readonly masterKey: string | undefined;
  readonly logLevel: LogLevel;
  readonly apiToken: string | undefined;
  /** How long a create whose answer was lost may still land before it is sent again (EnginePolicy.settleMs); default 120 s. */
  readonly settleSeconds: number | undefined;
}

/**
 * Parses the environment. A bad value fails with MLC_ERR_CONFIG naming the variable (never its
 * value, since DATABASE_URL may hold a password and the key/token variables are secrets).
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
  defaults: { logLevel?: LogLevel } = {},
): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      // zod's messages describe the expectation, not the received value, so nothing secret leaks.
      const variable = String(issue.path[0] ?? 'environment');
      return `${variable}: ${issue.message}`;
    });
    throw new ConnectorError({
      code: 'MLC_ERR_CONFIG',
      message: `invalid environment variable ${problems.join('; ')}`,
    });
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(cwd, e.ML_CONNECTOR_DATA_DIR ?? '.data'),
    masterKey: e.ML_CONNECTOR_MASTER_KEY,
    // Each entry point picks its own default: a server logs 'info'; the CLI keeps stderr for
    // progress and errors, so it passes 'warn'.
    logLevel: e.ML_CONNECTOR_LOG_LEVEL ?? defaults.logLevel ?? 'info',
    apiToken: e.ML_CONNECTOR_API_TOKEN,
    settleSeconds: e.ML_CONNECTOR_SETTLE_SECONDS,
  };
}
