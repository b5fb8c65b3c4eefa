import { ConnectorError } from '../core/errors.ts';
import { networkCause } from '../app/reachable.ts';

/** The default address of `ml-connector serve` (its --host and --port defaults). */
export const defaultServerUrl = 'http://127.0.0.1:8080';

/** The pid in the data-directory lock's error (src/store/data-dir-lock.ts), or null for any other error. */
export function dataDirOwner(e: unknown): number | null {
  if (!(e instanceof ConnectorError)) return null;
  const m = /^data directory is in use by process (\d+)/.exec(e.message);
  return m ? Number(m[1]) : null;
}

/** What to do when the embedded database is held by another process, in one plain message. */
export function busyAdvice(pid: number, dataDir: string, command: string, canUseServer: boolean): string {
  const head = `the data directory ${dataDir} is in use by process ${pid} (a running 'ml-connector serve', or another command): the embedded database serves one process at a time.`;
  const server = canUseServer
    ? ` To run '${command}' through that server's API instead, set ML_CONNECTOR_API_TOKEN to its API token (and ML_CONNECTOR_SERVER_URL when it does not listen on ${defaultServerUrl}).`
    : ` '${command}' needs the database itself: stop the server first, or use the dashboard.`;
  return `${head}${server} Or stop that process, or give both DATABASE_URL to share a PostgreSQL server.`;
}

export interface ServerApi {
  readonly base: string;
  /** JSON in and out; an answer outside 2xx throws with the server's message. */
  call<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/** The REST API of a running `serve` (`/api`, Bearer token: README "Running the service"). */
export function serverApi(base: string, token: string): ServerApi {
  const root = base.replace(/\/$/, '');
  return {
    base: root,
    async call<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) {
      const url = `${root}/api${path}`;
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(120_000),
        });
      } catch (e) {
        throw new ConnectorError({ code: 'MLC_ERR_NETWORK', message: `the server cannot be reached at ${url}: ${networkCause(e)}. Is 'ml-connector serve' listening there? Set ML_CONNECTOR_SERVER_URL to its address`, cause: e });
      }
      const text = await res.text();
      const parsed = text ? (JSON.parse(text) as unknown) : null;
      if (res.status === 401) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `the server at ${root} refused ML_CONNECTOR_API_TOKEN (401): give the token it printed at its first start, or the one it was started with` });
      if (res.status < 200 || res.status > 299) {
        const message = (parsed as { message?: string } | null)?.message ?? text.slice(0, 300);
        throw new ConnectorError({ code: res.status === 404 ? 'MLC_ERR_NOT_FOUND' : 'MLC_ERR_SERVER', message: `${method} ${url} → ${res.status}: ${message}` });
      }
      return { status: res.status, body: parsed as T };
    },
  };
}

/** The named link, or every link, as the server has them. */
export async function linkNamesVia(api: ServerApi, name: string | undefined): Promise<string[]> {
  if (name) return [(await api.call<{ name: string }>('GET', `/links/${encodeURIComponent(name)}`)).body.name];
  const { items } = (await api.call<{ items: { name: string }[] }>('GET', '/links')).body;
  if (items.length === 0) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: "the server has no link yet: create one with 'ml-connector link create' (with the server stopped) or POST /api/links" });
  return items.map((l) => l.name);
}

export interface JobRun {
  runId: string;
  link: string;
  status: string;
  counts: Record<string, number>;
  error: { code: string; message: string } | null;
}

/**
 * Waits for a link-work job the server's workers run (GET /api/jobs/{id}) and returns its run
 * with the run's error (GET /api/runs/{id}); null when it is still waiting after `timeoutMs`.
 */
export async function waitForJobRun(api: ServerApi, jobId: string, timeoutMs = 600_000): Promise<JobRun | null> {
  const until = Date.now() + timeoutMs;
  for (let wait = 200; Date.now() < until; wait = Math.min(wait * 2, 2000)) {
    const job = (await api.call<{ state: string; output: { runId?: string } | null }>('GET', `/jobs/${jobId}`)).body;
    if (job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled') {
      const runId = job.output?.runId;
      if (!runId) throw new ConnectorError({ code: 'MLC_ERR_SERVER', message: `job ${jobId} ended ${job.state} without a run; see GET ${api.base}/api/jobs/${jobId}` });
      const run = (await api.call<JobRun>('GET', `/runs/${encodeURIComponent(runId)}`)).body;
      return { runId, link: run.link, status: run.status, counts: run.counts ?? {}, error: run.error ?? null };
    }
    await new Promise((r) => setTimeout(r, wait));
  }
  return null;
}
