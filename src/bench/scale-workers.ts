import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cliPath = fileURLToPath(new URL('../../bin/ml-connector.js', import.meta.url));

/** One `ml-connector serve --role worker` process of the bench. */
export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  /** The last of its stderr, to show when a run fails. */
  tail(): string;
}

/**
 * Starts `count` worker processes on the shared PostgreSQL (DATABASE_URL), each running
 * `concurrency` link-work jobs at once, as a deployment with several workers does; resolves once
 * each printed its ready line.
 */
export async function startWorkers(options: { count: number; concurrency: number; databaseUrl: string; masterKey: string; apiToken: string; dataDir: string; logLevel: string }): Promise<WorkerProcess[]> {
  const started: WorkerProcess[] = [];
  try {
    for (let n = 1; n <= options.count; n += 1) started.push(await startWorker(n, options));
    return started;
  } catch (e) {
    await stopWorkers(started);
    throw e;
  }
}

async function startWorker(n: number, options: { concurrency: number; databaseUrl: string; masterKey: string; apiToken: string; dataDir: string; logLevel: string }): Promise<WorkerProcess> {
  const dataDir = join(options.dataDir, `worker-${n}`);
  mkdirSync(dataDir, { recursive: true });
  const child = spawn(process.execPath, [cliPath, 'serve', '--role', 'worker', '--concurrency', String(options.concurrency)], {
    // An API token of the run's own, so no worker creates one and prints it to the stderr this bench shows on failure.
    env: { ...process.env, DATABASE_URL: options.databaseUrl, ML_CONNECTOR_MASTER_KEY: options.masterKey, ML_CONNECTOR_API_TOKEN: options.apiToken, ML_CONNECTOR_DATA_DIR: dataDir, ML_CONNECTOR_LOG_LEVEL: options.logLevel },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-4000);
  });
  let out = '';
  const pid = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { pid: number }).pid);
    });
    child.once('exit', (code) => reject(new Error(`worker ${n} exited with code ${code} before it was ready: ${err.slice(-1000)}`)));
  });
  return { pid, child, tail: () => err };
}

/** SIGTERM to each (a worker stops after its current page) and waits for them to exit. */
export async function stopWorkers(workers: readonly WorkerProcess[]): Promise<void> {
  await Promise.all(workers.map(async ({ child }) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }));
}
