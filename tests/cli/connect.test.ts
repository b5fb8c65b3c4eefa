/**
 * `connect` as a new user meets it, through the real bin against the emulators: the README's
 * sandbox secret variable is named in the help and in the invalid_client error, an address where
 * nothing listens fails at once with the URL and the cause, a BILL URL with its /connect/v3 path
 * says which URL to give, and the reconnect advice is the exact command, which keeps the tenant.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { startEmulators, type Emulators } from '../../src/emulators/index.ts';
import { openRuntime } from '../../src/app/runtime.ts';
import { readSecret } from '../../src/store/repos/connections.ts';
import type { XeroCredentials } from '../../src/systems/xero/auth.ts';
import { freshPgliteDataDir } from '../helpers/db.ts';
import { spawn } from 'node:child_process';
import { cliPath, repoRoot } from '../engine/crash-harness.ts';
import { consentOpener, runCli, runCliWatching } from './run-cli.ts';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('connect through the real bin', () => {
  let emu: Emulators;
  let dataDir = '';
  let env: Record<string, string> = {};
  const secret = { ML_CONNECTOR_XERO_CLIENT_SECRET: 'mlc-sandbox-secret' };

  before(async () => {
    emu = await startEmulators({ only: ['xero', 'bill'], seed: 3 });
    dataDir = await freshPgliteDataDir();
    env = { ML_CONNECTOR_DATA_DIR: dataDir };
  });
  after(async () => {
    await emu?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('connect --help names the client secret variable and the sandbox secret', async () => {
    const help = await runCli(['connect', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /ML_CONNECTOR_XERO_CLIENT_SECRET/);
    assert.match(help.stdout, /mlc-sandbox-secret/);
  });

  test('without the secret, invalid_client names ML_CONNECTOR_XERO_CLIENT_SECRET; with it, the README command connects', async () => {
    const base = emu.xero!.urls.base;
    const refused = await runCliWatching(['connect', 'xero', '--client-id', 'mlc-sandbox-client', '--base-url', base], env, consentOpener());
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /invalid_client.*ML_CONNECTOR_XERO_CLIENT_SECRET, which is not set/);

    const ok = await runCliWatching(['connect', 'xero', '--client-id', 'mlc-sandbox-client', '--base-url', base, '--json'], { ...env, ...secret }, consentOpener());
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).tenantId, emu.xero!.tenantIds.primary);
  });

  test('a browser on another machine: the pasted redirect address completes the flow; --redirect-port fixes the port', async () => {
    const base = emu.xero!.urls.base;
    const port = await closedPort();
    const child = spawn(process.execPath, [cliPath, 'connect', 'xero', '--client-id', 'mlc-sandbox-client', '--base-url', base, '--redirect-port', String(port), '--name', 'pasted', '--json'], {
      cwd: repoRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, ...secret }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pasted = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const url = /^(http\S+\/identity\/connect\/authorize\S+)$/m.exec(stderr)?.[1];
      if (!url || pasted) return;
      pasted = true;
      // The browser elsewhere consents and is sent to 127.0.0.1 on its own machine, which it
      // cannot reach: the person copies that address instead of following it.
      void fetch(url, { redirect: 'manual' }).then((r) => {
        const location = r.headers.get('location') ?? '';
        assert.ok(location.startsWith(`http://127.0.0.1:${port}/callback?`), location);
        child.stdin.write(`${location}\n`);
      });
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /paste here the address it was sent to/);
    assert.equal(JSON.parse(stdout).id, 'pasted');
  });

  test('an address where nothing listens fails at once with the URL and the cause', async () => {
    const port = await closedPort();
    const started = Date.now();
    const r = await runCli(['connect', 'xero', '--client-id', 'mlc-sandbox-client', '--base-url', `http://127.0.0.1:${port}`], { ...env, ...secret });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, new RegExp(`Xero cannot be reached at http://127\\.0\\.0\\.1:${port}.*ECONNREFUSED.*--base-url`));
    assert.doesNotMatch(r.stderr, /Open this URL/, 'no consent URL for a host that is not there');
    assert.ok(Date.now() - started < 60_000, 'not the five-minute consent wait');

    const bill = await runCli(['connect', 'bill', '--dev-key', 'k', '--username', 'u', '--org-id', '008x', '--base-url', `http://127.0.0.1:${port}`], { ...env, ML_CONNECTOR_BILL_PASSWORD: 'p' });
    assert.equal(bill.code, 4, bill.stderr);
    assert.match(bill.stderr, new RegExp(`BILL cannot be reached at http://127\\.0\\.0\\.1:${port}/connect/v3.*ECONNREFUSED`));
    assert.doesNotMatch(bill.stderr, /fetch failed\s*$/m);
  });

  test("BILL's URL with its /connect/v3 path says which URL to give", async () => {
    const r = await runCli(['connect', 'bill', '--dev-key', 'k', '--username', 'u', '--org-id', '008x', '--base-url', emu.bill!.urls.api], { ...env, ML_CONNECTOR_BILL_PASSWORD: 'p' });
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`without /connect/v3: give --base-url ${emu.bill!.urls.base}`), r.stderr);
  });

  test('after a revoked connection the advice is the exact command, and it keeps the tenant whatever the order', async () => {
    const base = emu.xero!.urls.base;
    const rt = await openRuntime({ dataDir });
    let refreshToken: string;
    let id: string;
    try {
      id = (await rt.db.query<{ id: string }>("select id from connections where system = 'xero'")).rows[0]!.id;
      refreshToken = (await readSecret<XeroCredentials>(rt.db, rt.box, id)).refreshToken;
    } finally {
      await rt.close();
    }
    const revoked = await fetch(`${emu.xero!.urls.identity}/connect/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshToken, client_id: 'mlc-sandbox-client', client_secret: 'mlc-sandbox-secret' }),
    });
    assert.equal(revoked.status, 200);
    await fetch(`${base}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ expireAuthNow: true }) });

    const ping = await runCli(['ping'], env);
    assert.equal(ping.code, 3, ping.stdout + ping.stderr);
    const command = `ml-connector connect xero --name ${id} --client-id mlc-sandbox-client --base-url ${base}`;
    assert.ok(ping.stdout.includes(`Connect it again with: ${command}`), ping.stdout);
    assert.doesNotMatch(ping.stdout, /again to reconnect/, 'the generic advice is not repeated');

    // The emulator now lists the other tenant first: the command must still reconnect the same one.
    emu.xero!.state.replace([...emu.xero!.state.list()].reverse());
    assert.equal(emu.xero!.state.list()[0]!.tenantId, emu.xero!.tenantIds.secondary);
    const again = await runCliWatching([...command.split(' ').slice(1), '--json'], { ...env, ...secret }, consentOpener());
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).tenantId, emu.xero!.tenantIds.primary);
    const after = await runCli(['ping', '--json'], env);
    assert.equal(after.code, 0, after.stdout + after.stderr);
  });
});
