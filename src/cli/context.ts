import type { Runtime } from '../app/runtime.ts';
import { loadConfig } from '../config.ts';
import { Output } from './output.ts';

/**
 * Opens the runtime for a command from its parsed common options and the environment. The
 * environment is read here, once, through loadConfig; --data-dir wins over ML_CONNECTOR_DATA_DIR.
 */
export async function withRuntime<T>(values: { 'data-dir'?: string | undefined; json?: boolean | undefined }, fn: (rt: Runtime, out: Output) => Promise<T>): Promise<T> {
  const out = new Output(values.json === true);
  const config = loadConfig(process.env, process.cwd(), { logLevel: 'warn' });
  // Loaded on use: the database drivers are heavy, and --help or a usage error must stay quick.
  const { openRuntime, runtimeOptionsFrom } = await import('../app/runtime.ts');
  const rt = await openRuntime(runtimeOptionsFrom(config, { dataDir: values['data-dir'] }));
  try {
    return await fn(rt, out);
  } finally {
    await rt.close();
  }
}
