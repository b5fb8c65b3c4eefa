import { spawn } from 'node:child_process';
import { cliPath, repoRoot } from '../engine/crash-harness.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `bin/ml-connector.js` with exactly the given environment (plus PATH and HOME), so
 * nothing from the test process's environment reaches the command by accident.
 */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCliWatching(args, env, () => undefined);
}

/**
 * Runs the real bin like runCli and calls `onStderr` with everything written to stderr so far each
 * time more arrives, so a test can play the person at the terminal (open the printed consent URL).
 */
export function runCliWatching(args: readonly string[], env: Record<string, string>, onStderr: (soFar: string) => void): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      onStderr(stderr);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Opens the first consent URL printed on stderr once, as a browser would (the sandbox consents at once). */
export function consentOpener(): (soFar: string) => void {
  let opened = false;
  return (soFar) => {
    const url = /^(http\S+\/identity\/connect\/authorize\S+)$/m.exec(soFar)?.[1];
    if (!url || opened) return;
    opened = true;
    void fetch(url, { redirect: 'follow' }).then((r) => r.arrayBuffer()).catch(() => undefined);
  };
}
