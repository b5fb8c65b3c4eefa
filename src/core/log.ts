import { pino, type Logger, type DestinationStream } from 'pino';
import { redactValue } from './redact.ts';

export type { Logger };

export type LogFormat = 'json' | 'text';

/**
 * Logs through pino. Every logged object goes through redactValue, so secret fields and
 * registered secret values never reach the output. Level from ML_CONNECTOR_LOG_LEVEL (default info;
 * tests default to silent unless the variable is set). Format: structured JSON lines for machines
 * (the default when the destination is not a terminal), one sentence a line for people on a
 * terminal; ML_CONNECTOR_LOG_FORMAT=json|text chooses either way.
 */
export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream; format?: LogFormat } = {}): Logger {
  const level = options.level ?? process.env.ML_CONNECTOR_LOG_LEVEL ?? 'info';
  const destination = options.destination ?? process.stderr;
  const asked = process.env.ML_CONNECTOR_LOG_FORMAT;
  const format: LogFormat = options.format ?? (asked === 'json' || asked === 'text' ? asked : (destination as { isTTY?: boolean }).isTTY ? 'text' : 'json');
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
    (format === 'text' ? textDestination(destination) : destination) as DestinationStream,
  );
}

const hidden = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v']);

/** One pino JSON line as a sentence: "06:07:01 warning: retrying request (request: Xero GET …; attempt: 1)". */
export function textLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 19) : '';
  const level = o.level === 'warn' ? 'warning' : String(o.level ?? 'info');
  const details = Object.entries(o)
    .filter(([k, v]) => !hidden.has(k) && v !== undefined && v !== null)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? (v as { message?: unknown }).message ?? JSON.stringify(v) : String(v)}`);
  return `${time ? `${time} ` : ''}${level}: ${String(o.msg ?? '')}${details.length ? ` (${details.join('; ')})` : ''}\n`;
}

function textDestination(out: NodeJS.WritableStream): { write(line: string): void } {
  return { write: (line) => void out.write(textLine(line)) };
}

export const silentLogger: Logger = pino({ level: 'silent' });
