/**
 * The worker behind inProcessCli (in-process-cli.ts): runs src/cli/main.ts's main() for each
 * message and answers with the exit code it returns and what it wrote. The writes are captured on
 * this worker's own process.stdout/stderr, which nothing else in the worker uses.
 */
import { parentPort } from 'node:worker_threads';
import { main } from '../../src/cli/main.ts';

type Write = typeof process.stdout.write;

parentPort!.on('message', async ({ id, args }: { id: number; args: string[] }) => {
  let stdout = '';
  let stderr = '';
  const realOut = process.stdout.write;
  const realErr = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as Write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as Write;
  let code: number | null = null;
  try {
    code = await main(args);
  } catch (e) {
    stderr += `main() threw: ${String(e)}`;
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  }
  parentPort!.postMessage({ id, code, stdout, stderr });
});
