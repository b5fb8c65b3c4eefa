/**
 * Log output for people, through the real bin: on a terminal the logs read as sentences, not JSON
 * lines (JSON when stderr is not a terminal, or with ML_CONNECTOR_LOG_FORMAT=json), and a command
 * does not end with errors about its own closed database ("PGlite is closed").
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { freshPgliteDataDir } from '../helpers/db.ts';
import { cliPath, control, CrashRig, repoRoot } from '../engine/crash-harness.ts';
import { runCli, type CliResult } from './run-cli.ts';

/** Runs the bin with stdout and stderr on a pseudo-terminal (util-linux `script`), as a person would. */
function runOnTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', [process.execPath, cliPath, ...args].map(quote).join(' '), '/dev/null'], { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: out, stderr: '' }));
  });
}

describe('log output for people', () => {
  let rig: CrashRig;
  let dataDir = '';
  let env: NodeJS.ProcessEnv = {};

  before(async () => {
    dataDir = await freshPgliteDataDir();
    rig = await CrashRig.open({ dataDir, seed: 5, suppliers: 4, bills: 10, linkName: 'h' });
    env = { ...rig.env(), ML_CONNECTOR_LOG_LEVEL: 'warn' };
  });
  after(async () => {
    await rig?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('a failing sync on a terminal: sentences, no JSON lines, no closed-database errors', async () => {
    // BILL's session is stored by ping; the sync's first BILL answer notes it as used without
    // waiting for the write, and the run then fails on Xero's bills and closes its database.
    assert.equal((await runCli(['ping'], env as Record<string, string>)).code, 0);
    await control(rig.xero.urls.base, 'POST', '/faults', { serverErrorRate: 1, pathPattern: 'Invoices' });
    try {
      const r = await runOnTerminal(['sync'], env);
      assert.equal(r.code, 4, r.stdout);
      assert.match(r.stdout, /warning: retrying request \(system: xero; .*request: GET \/api\.xro\/2\.0\/Invoices/);
      assert.match(r.stdout, /error: run stopped \(.*code: MLC_ERR_SERVER/);
      assert.doesNotMatch(r.stdout, /^\{"level"/m, 'no raw JSON log line');
      assert.doesNotMatch(r.stdout, /is closed/);

      const asked = await runOnTerminal(['sync'], { ...env, ML_CONNECTOR_LOG_FORMAT: 'json' });
      assert.match(asked.stdout, /^\{"level":"warn".*"msg":"retrying request"/m, 'JSON when asked');

      const piped = await runCli(['sync'], env as Record<string, string>);
      assert.equal(piped.code, 4);
      assert.match(piped.stderr, /^\{"level":"warn".*"msg":"retrying request"/m, 'JSON when stderr is not a terminal');
      assert.doesNotMatch(piped.stderr, /is closed/);
    } finally {
      await control(rig.xero.urls.base, 'POST', '/faults', {});
    }
  });
});
