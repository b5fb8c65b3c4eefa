/**
 * The CLI beside a running `serve` on the embedded database, through the real bins: the data
 * directory is the server's, so status, sync, sync --queue, reconcile and replay go through its
 * REST API on loopback when ML_CONNECTOR_API_TOKEN is set; without it, and for commands that need
 * the database itself, the error says plainly what to do.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { freshPgliteDataDir } from '../helpers/db.ts';
import { cliPath, control, CrashRig, repoRoot } from '../engine/crash-harness.ts';
import { runCli } from './run-cli.ts';

describe('the CLI beside a running serve', () => {
  let rig: CrashRig;
  let dataDir = '';
  let server: ChildProcess | null = null;
  let serverUrl = '';
  let env: Record<string, string> = {};
  const token = 'beside-serve-token-0123456789abcdef';

  before(async () => {
    dataDir = await freshPgliteDataDir();
    rig = await CrashRig.open({ dataDir, seed: 9, suppliers: 5, bills: 20, linkName: 'main' });
    env = Object.fromEntries(Object.entries({ ...rig.env(), ML_CONNECTOR_API_TOKEN: token }).filter((e): e is [string, string] => typeof e[1] === 'string'));
    server = spawn(process.execPath, [cliPath, 'serve', '--port', '0'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    serverUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      server!.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const line = out.split('\n').find((l) => l.includes('"ready"'));
        if (line) resolve(JSON.parse(line).url);
      });
      server!.once('close', (code) => reject(new Error(`serve ended with ${code}`)));
    });
  });
  after(async () => {
    if (server && server.exitCode === null) {
      const closed = new Promise((r) => server!.once('close', r));
      server.kill('SIGTERM');
      await closed;
    }
    await rig?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('without the API token: a plain error saying what to do', async () => {
    const { ML_CONNECTOR_API_TOKEN: _t, ...noToken } = env;
    const r = await runCli(['status'], noToken);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`is in use by process ${server!.pid} .*To run 'status' through that server's API instead, set ML_CONNECTOR_API_TOKEN`));
    const audit = await runCli(['audit', 'x'], env);
    assert.equal(audit.code, 4);
    assert.match(audit.stderr, /'audit' needs the database itself: stop the server first/);
  });

  test('status, sync, reconcile, replay and sync --queue through the server', async () => {
    const withServer = { ...env, ML_CONNECTOR_SERVER_URL: serverUrl };
    const status = await runCli(['status'], withServer);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, /from the server at http:\/\/127\.0\.0\.1:\d+/);
    assert.match(status.stdout, /Link 'main'/);

    const sync = await runCli(['sync', '--json'], withServer);
    assert.ok(sync.code === 0 || sync.code === 1, sync.stdout + sync.stderr);
    const [run] = JSON.parse(sync.stdout);
    assert.equal(run.link, 'main');
    assert.ok(['succeeded', 'partial'].includes(run.status), run.status);
    const bills = (await control(rig.bill.urls.base, 'GET', '/state')).organizations[0].bills;
    assert.ok(bills.length > 0, 'the server synced bills into BILL');

    const reconcile = await runCli(['reconcile'], withServer);
    assert.equal(reconcile.code, 0, reconcile.stdout + reconcile.stderr);
    assert.match(reconcile.stdout, /Link 'main': the ledgers agree/);

    const replay = await runCli(['replay', '--failed', '--json'], withServer);
    assert.ok(replay.code === 0 || replay.code === 1, replay.stdout + replay.stderr);
    assert.equal(JSON.parse(replay.stdout)[0].link, 'main');

    const queued = await runCli(['sync', '--queue', '--json'], withServer);
    assert.equal(queued.code, 0, queued.stdout + queued.stderr);
    assert.match(JSON.parse(queued.stdout)[0].jobId, /^[0-9a-f-]{36}$/);
  });
});
