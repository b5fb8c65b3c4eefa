import type { Runtime } from '../app/runtime.ts';
import { loadConfig } from '../config.ts';
import { ConnectorError } from '../core/errors.ts';
import { Output } from './output.ts';
import { busyAdvice, dataDirOwner, defaultServerUrl, serverApi, type ServerApi } from './server-api.ts';

/**
 * Opens the runtime for a command from its parsed common options and the environment. The
 * environment is read here, once, through loadConfig; --data-dir wins over ML_CONNECTOR_DATA_DIR.
 *
 * The embedded database serves one process: while `serve` holds the data directory, a command
 * that can do its work through the server's REST API (`viaServer`) does so on loopback when
 * ML_CONNECTOR_API_TOKEN is set; otherwise the error says what to do.
 */
export async function withRuntime<T>(
  values: { 'data-dir'?: string | undefined; json?: boolean | undefined },
  fn: (rt: Runtime, out: Output) => Promise<T>,
  viaServer?: { command: string; run(api: ServerApi, out: Output): Promise<T> },
): Promise<T> {
  const out = new Output(values.json === true);
  const config = loadConfig(process.env, process.cwd(), { logLevel: 'warn' });
  // Loaded on use: the database drivers are heavy, and --help or a usage error must stay quick.
  const { openRuntime, runtimeOptionsFrom } = await import('../app/runtime.ts');
  const options = runtimeOptionsFrom(config, { dataDir: values['data-dir'] });
  let rt: Runtime;
  try {
    rt = await openRuntime(options);
  } catch (e) {
    const pid = dataDirOwner(e);
    if (pid === null || config.databaseUrl) throw e;
    const command = viaServer?.command ?? process.argv.slice(2, 3).join(' ');
    if (viaServer && config.apiToken) {
      return viaServer.run(serverApi(process.env.ML_CONNECTOR_SERVER_URL || defaultServerUrl, config.apiToken), out);
    }
    throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: busyAdvice(pid, options.dataDir ?? '.data', command, viaServer !== undefined), cause: e });
  }
  try {
    return await fn(rt, out);
  } finally {
    await rt.close();
  }
}
