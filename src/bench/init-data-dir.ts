import { openRuntime } from '../app/runtime.ts';
import { createLogger } from '../core/log.ts';

/**
 * Creates the benchmark's embedded database (PGlite runs initdb on a new data directory, which
 * alone raises a process's peak RSS to about 1 GB) so the measuring process opens an existing one,
 * as a deployed connector does on every start after the first.
 * Usage: node --import tsx src/bench/init-data-dir.ts <dataDir>
 */
const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: init-data-dir.ts <dataDir>\n');
  process.exit(2);
}
const rt = await openRuntime({ dataDir, masterKey: undefined, log: createLogger({ level: 'error' }) });
await rt.close();
