import { loadConfig } from '../../config.ts';
import { serverRoles, type ServerRole } from '../../server/roles.ts';
import { intOption, parse, UsageError, urlOption } from '../args.ts';
import { exitCodes } from '../output.ts';
import type { Command } from './types.ts';

export const serve: Command = {
  summary: 'run the server: REST API, webhooks, dashboard and the workers that sync',
  usage: `Usage: ml-connector serve [--port N] [--host H] [--role all|web|worker] [--public-url URL] [--concurrency N]

Runs the HTTP server (REST API under /api, webhooks, connect pages, dashboard, /healthz, /metrics)
and the workers that run sync jobs and link poll schedules. --role web serves HTTP only and
--role worker runs jobs only, so several worker processes can share one PostgreSQL (DATABASE_URL);
the embedded database serves one process (--role all). Prints one JSON line when ready.
The API needs "Authorization: Bearer <token>": ML_CONNECTOR_API_TOKEN, or a token created on the
first start and printed once to stderr. --public-url is the address Xero, BILL and browsers reach
this server at (OAuth callback, webhooks); BILL webhook subscriptions are set up and watched only
when it is given, and the scheduled poll keeps every link complete either way.
Stops gracefully on SIGINT/SIGTERM.
Defaults: --port 8080, --host 127.0.0.1, --role all, --concurrency 2 jobs per process.`,
  async run(argv) {
    const { values } = parse(argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      role: { type: 'string' },
      'public-url': { type: 'string' },
      concurrency: { type: 'string' },
    });
    const role = (values.role ?? 'all') as ServerRole;
    if (!serverRoles.includes(role)) throw new UsageError(`--role must be one of ${serverRoles.join(', ')}, got '${values.role}'`);
    const port = intOption(values.port, 'port', 0, 65535) ?? 8080;
    const concurrency = intOption(values.concurrency, 'concurrency', 1, 32) ?? 2;
    const publicUrl = urlOption(values['public-url'], 'public-url');
    const config = loadConfig(process.env, process.cwd(), { logLevel: 'info' });
    // The server, drivers and workers load on use so that --help and usage errors stay quick.
    const [{ openRuntime, runtimeOptionsFrom }, { startServer }] = await Promise.all([import('../../app/runtime.ts'), import('../../server/start.ts')]);
    const rt = await openRuntime(runtimeOptionsFrom(config, { dataDir: values['data-dir'] }));
    try {
      const server = await startServer(rt, {
        role,
        port,
        host: values.host ?? '127.0.0.1',
        publicUrl,
        apiToken: config.apiToken,
        workerConcurrency: concurrency,
        onTokenCreated: (token) => process.stderr.write(`API token (shown once; keep it, or set ML_CONNECTOR_API_TOKEN): ${token}\n`),
      });
      process.stdout.write(`${JSON.stringify({ ready: true, role, url: server.url, publicUrl: server.url ? server.services.publicUrl : null, pid: process.pid })}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await server.stop();
      return exitCodes.ok;
    } finally {
      await rt.close();
    }
  },
};
