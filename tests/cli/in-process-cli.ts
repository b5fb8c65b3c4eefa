import { Worker } from 'node:worker_threads';
import type { CliResult } from './run-cli.ts';

/**
 * Runs the CLI's main() in one worker thread, command after command, for tests about what a
 * command prints and the exit code main() gives the bin (bin/ml-connector.js sets process.exitCode
 * to it and does nothing else). A spawned bin costs a second of CPU to load the sources each time;
 * here they load once. Tests that are about the process itself (the real bin, its streams, signals)
 * use runCli; each file that uses this one keeps a few cases through the real bin as well.
 * Only for commands that open no database and read no environment (help and usage mistakes): the
 * worker shares the test process's environment and working directory.
 */
export class InProcessCli {
  private readonly worker = new Worker(new URL('./in-process-cli-worker.ts', import.meta.url));
  private readonly waiting = new Map<number, { resolve: (r: CliResult) => void; reject: (e: unknown) => void }>();
  private next = 0;

  constructor() {
    this.worker.on('message', (r: CliResult & { id: number }) => {
      this.waiting.get(r.id)?.resolve({ code: r.code, stdout: r.stdout, stderr: r.stderr });
      this.waiting.delete(r.id);
    });
    // A worker that cannot start (or dies) fails the commands waiting on it instead of hanging them.
    this.worker.on('error', (e) => {
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    });
  }

  run(args: readonly string[]): Promise<CliResult> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, args: [...args] });
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
