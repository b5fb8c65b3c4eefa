import { pino, type Logger, type DestinationStream } from 'pino';
import { redactValue } from './redact.ts';

export type { Logger };

/**
 * Structured JSON logs (pino). Every logged object goes through redactValue, so secret fields and
 * registered secret values never reach the output. Level from ML_CONNECTOR_LOG_LEVEL (default info;
 * tests default to silent unless the variable is set).
 */
export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.ML_CONNECTOR_LOG_LEVEL ?? 'info';
  return pino(
    {
      name: options.name ?? 'ml-connector',
      level,
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((a) => redactValue(a)) as Parameters<typeof method>;
          return method.apply(this, cleaned);
        },
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    (options.destination ?? process.stderr) as DestinationStream,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
