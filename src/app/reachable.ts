import { ConnectorError } from '../core/errors.ts';

/** The cause chain of what fetch threw, e.g. "fetch failed: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)". */
export function networkCause(e: unknown): string {
  const parts: string[] = [];
  let code: string | undefined;
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i += 1) {
    if (cur instanceof Error && cur.message && !parts.includes(cur.message)) parts.push(cur.message);
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string' && !code) code = c;
    cur = cur && typeof cur === 'object' ? (cur as { cause?: unknown }).cause : undefined;
  }
  const text = parts.join(': ') || String(e);
  return code && !text.includes(code) ? `${text} (${code})` : text;
}

/**
 * Checks that something answers HTTP at `url` before a flow that would otherwise wait for a
 * person (the Xero consent waits minutes for a browser): any HTTP answer counts; a refused
 * connection, an unknown host or silence fails at once with the URL and the cause.
 */
export async function assertReachable(url: string, what: string, flag = '--base-url', timeoutMs = 10_000): Promise<void> {
  try {
    const res = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    throw new ConnectorError({
      code: timedOut ? 'MLC_ERR_TIMEOUT' : 'MLC_ERR_NETWORK',
      message: `${what} cannot be reached at ${url}: ${timedOut ? `no answer within ${timeoutMs} ms` : networkCause(e)}. Check ${flag} (is the service or 'ml-connector emulate' running there?)`,
      cause: e,
    });
  }
}
