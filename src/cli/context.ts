import { openRuntime, type Runtime } from '../app/runtime.ts';
import { Output } from './output.ts';

/** Opens the runtime for a command from its parsed common options and the environment. */
export async function withRuntime<T>(values: { 'data-dir'?: string | undefined; json?: boolean | undefined }, fn: (rt: Runtime, out: Output) => Promise<T>): Promise<T> {
  const out = new Output(values.json === true);
  const rt = await openRuntime({
    dataDir: values['data-dir'] ?? process.env.ML_CONNECTOR_DATA_DIR,
    databaseUrl: process.env.DATABASE_URL,
    masterKey: process.env.ML_CONNECTOR_MASTER_KEY,
  });
  try {
    return await fn(rt, out);
  } finally {
    await rt.close();
  }
}
