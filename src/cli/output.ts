import { errorCatalogue, type ErrorCode } from '../core/errors.ts';

/** Human or JSON output; progress goes to stderr so stdout stays parseable. */
export class Output {
  constructor(readonly json: boolean) {}

  result(value: unknown, human: () => string): void {
    process.stdout.write(this.json ? `${JSON.stringify(value, replacer)}\n` : `${human()}\n`);
  }

  progress(text: string): void {
    if (this.json) return;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`);
    else process.stderr.write(`${text}\n`);
  }

  endProgress(): void {
    if (!this.json && process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
  }
}

const replacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** Exit codes that mean something to scripts. */
export const exitCodes = {
  ok: 0,
  /** Differences found (reconcile) or some records failed/conflict (sync, replay). */
  attention: 1,
  usage: 2,
  /** A connection needs the user: reconnect or fix credentials. */
  reconnect: 3,
  failure: 4,
} as const;

/**
 * The exit code of runs (sync, replay): 3 when a run stopped because a connection needs the user
 * (any code of kind needs_reauth), 4 when one stopped for another reason, 1 when some records failed
 * or conflict, 0 otherwise.
 */
export function runsExitCode(results: readonly { status: string; error: { code: string } | null }[]): number {
  const kind = (code: string) => (Object.hasOwn(errorCatalogue, code) ? errorCatalogue[code as ErrorCode].kind : 'bug');
  if (results.some((r) => r.error && kind(r.error.code) === 'needs_reauth')) return exitCodes.reconnect;
  if (results.some((r) => r.status === 'failed' || r.status === 'interrupted')) return exitCodes.failure;
  return results.some((r) => r.status === 'partial') ? exitCodes.attention : exitCodes.ok;
}

export function table(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
