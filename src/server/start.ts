import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../app/runtime.ts';
import { ConnectorError } from '../core/errors.ts';
import { startQueue, type Queue } from '../store/queue.ts';
import { buildApp, type BuiltApp } from './app.ts';
import { ensureApiToken } from './auth-token.ts';
import type { ServerServices } from './contract.ts';
import { WorkCounters } from './metrics.ts';
import { serverRoles, type ServerRole } from './roles.ts';
import { PollScheduler } from './scheduler/index.ts';
import { startSubscriptionMonitor, type SubscriptionMonitor } from './subscriptions/monitor.ts';
import { startLinkWorkers } from './worker/index.ts';

export { serverRoles, type ServerRole };

export interface ServeOptions {
  /** 'web': HTTP only (sends jobs); 'worker': runs jobs and poll schedules, no HTTP; 'all': both. */
  role: ServerRole;
  port?: number;
  host?: string;
  /** The URL browsers and webhook senders use; default http://<host>:<port> once listening. */
  publicUrl?: string | undefined;
  /** ML_CONNECTOR_API_TOKEN; without it a token is created on first start and stored encrypted. */
  apiToken?: string | undefined;
  /** Called once, by the process that created the API token (the CLI prints it to stderr). */
  onTokenCreated?: (token: string) => void;
  /** Link-work jobs at once in this process (default 2). */
  workerConcurrency?: number;
  /** How often idle workers look for jobs, in seconds (default 0.5). */
  pollingIntervalSeconds?: number;
  /** How often worker processes bring poll schedules in step with the links table (default 60 s). */
  scheduleIntervalMs?: number;
  /** How long shutdown waits for running jobs before leaving them to expire and retry (default 30 s). */
  stopTimeoutMs?: number;
  /** How often a worker process sets up and checks BILL webhook subscriptions (default 5 min). */
  subscriptionCheckIntervalMs?: number;
}

export interface RunningServer {
  readonly role: ServerRole;
  /** The listening URL, or null for a worker. */
  readonly url: string | null;
  readonly services: ServerServices;
  readonly scheduler: PollScheduler;
  readonly app: FastifyInstance | null;
  readonly routes: readonly { method: string; url: string }[];
  /**
   * Stops accepting requests and the schedules, asks running jobs to stop after their current page
   * (each is retried from its saved cursors), waits for them up to stopTimeoutMs and closes the
   * queue. The runtime stays open.
   */
  stop(): Promise<void>;
}

/**
 * Starts `ml-connector serve` on an opened runtime: the queue, then (by role) the workers with the
 * poll schedules and the HTTP server. Several worker processes may share one PostgreSQL database;
 * the embedded database serves a single process, so it runs only with role 'all'.
 */
export async function startServer(rt: Runtime, options: ServeOptions): Promise<RunningServer> {
  const { role } = options;
  if (role !== 'all' && rt.db.kind === 'pglite') {
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `--role ${role} needs a PostgreSQL database (DATABASE_URL): the embedded database can serve only one process, so use --role all` });
  }
  const log = rt.log;
  const token = await ensureApiToken(rt.db, rt.box, options.apiToken);
  if (token.created) options.onTokenCreated?.(token.token);
  const queue: Queue = await startQueue(rt.db, {
    schedule: role !== 'web',
    logger: log,
    ...(options.pollingIntervalSeconds !== undefined ? { pollingIntervalSeconds: options.pollingIntervalSeconds } : {}),
  });
  let queueRunning = true;
  // Aborted first thing on stop: running syncs end after their current page instead of holding
  // the shutdown until stopTimeoutMs runs out.
  const stopRequested = new AbortController();
  const services: ServerServices = { db: rt.db, box: rt.box, log, deps: rt.deps, queue, apiToken: token.token, publicUrl: options.publicUrl ?? '' };
  const scheduler = new PollScheduler(rt.db, queue, log);
  const counters = new WorkCounters();
  let app: FastifyInstance | null = null;
  let routes: BuiltApp['routes'] = [];
  try {
    if (role === 'web') await scheduler.reconcile();
    else {
      await scheduler.start(options.scheduleIntervalMs ?? 60_000);
      await startLinkWorkers(services, { concurrency: options.workerConcurrency ?? 2, onRun: (work, status) => counters.ran(work.kind, status), stopping: stopRequested.signal });
    }
    let url: string | null = null;
    if (role !== 'worker') {
      ({ app, routes } = await buildApp({ services, scheduler, counters, queueRunning: () => queueRunning }));
      const host = options.host ?? '127.0.0.1';
      await app.listen({ port: options.port ?? 8080, host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      if (!options.publicUrl) services.publicUrl = url;
    }
    // Vendor-managed webhooks (BILL's) need an address the vendor can reach, so subscriptions are managed only when one is
    // given with --public-url (the listening address is usually loopback or behind a proxy).
    // Without it webhooks stay off and the poll keeps every link complete.
    let monitor: SubscriptionMonitor | null = null;
    let firstCheck: Promise<unknown> = Promise.resolve();
    if (role !== 'web' && options.publicUrl) {
      monitor = startSubscriptionMonitor(services, { intervalMs: options.subscriptionCheckIntervalMs ?? 5 * 60_000 });
      firstCheck = monitor.runOnce().catch(() => undefined);
    } else if (role !== 'web') {
      log.info('webhook subscriptions are off: start with --public-url to receive webhooks that need one (BILL)');
    }
    log.info({ role, url, pid: process.pid }, 'server started');
    let stopping: Promise<void> | null = null;
    const stop = () => {
      stopping ??= (async () => {
        log.info({ role }, 'server stopping');
        stopRequested.abort();
        await app?.close();
        monitor?.stop();
        await firstCheck;
        await scheduler.stop();
        queueRunning = false;
        await queue.stop({ timeoutMs: options.stopTimeoutMs ?? 30_000 });
        log.info({ role }, 'server stopped');
      })();
      return stopping;
    };
    return { role, url, services, scheduler, app, routes, stop };
  } catch (e) {
    await app?.close().catch(() => undefined);
    await scheduler.stop().catch(() => undefined);
    await queue.stop({ timeoutMs: 1000 }).catch(() => undefined);
    throw e;
  }
}
