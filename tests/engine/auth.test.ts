/**
 * Connections heal themselves where the vendor allows it and ask for the user where it does not:
 * an expired Xero access token is refreshed and the rotated refresh token saved; an expired BILL
 * session is signed in again; a revoked Xero grant marks the connection needs_reconnect with the
 * command to run, and later runs stop at once without calling Xero.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getConnection, readSecret } from '../../src/store/repos/connections.ts';
import type { XeroCredentials } from '../../src/systems/xero/auth.ts';
import { forEachBackend } from '../helpers/db.ts';
import { callsMatching, Sandbox } from './sandbox-fixture.ts';

forEachBackend('connection healing', (backend) => {
  let sb: Sandbox;
  const xeroSecret = () => readSecret<XeroCredentials>(sb.db, sb.rt.box, 'xero');

  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 5, xero: { suppliers: 3, bills: 10 } });
    const first = await sb.sync();
    assert.equal(first.status, 'succeeded', JSON.stringify(first.error));
  });
  after(() => sb?.close());

  test('an access token expired on the Xero side is refreshed once, and the rotated refresh token is saved', async () => {
    const before = await xeroSecret();
    const expiresBefore = (await getConnection(sb.db, 'xero'))!.token_expires_at;
    await sb.advanceClock('xero', 31 * 60);
    await sb.resetStats();
    const result = await sb.sync();
    assert.equal(result.status, 'succeeded', JSON.stringify(result.error));
    const stats = await sb.stats();
    assert.equal(stats.xero.callsByEndpoint['POST /connect/token'], 1);
    const afterRefresh = await xeroSecret();
    // Compared as booleans so a failure never prints a token.
    assert.ok(afterRefresh.refreshToken !== before.refreshToken, 'the refresh token rotated');
    assert.ok(afterRefresh.accessToken !== before.accessToken, 'a new access token was saved');
    assert.ok(afterRefresh.expiresAt > before.expiresAt);
    assert.notEqual(String((await getConnection(sb.db, 'xero'))!.token_expires_at), String(expiresBefore));

    // The next run uses the saved token as it is: no second refresh.
    await sb.resetStats();
    await sb.sync();
    assert.equal((await sb.stats()).xero.callsByEndpoint['POST /connect/token'] ?? 0, 0);
  });

  test('a BILL session expired on the BILL side is signed in again within the run, without failing a record', async () => {
    await sb.faults('bill', { expireAuthNow: true });
    await sb.resetStats();
    const result = await sb.sync();
    assert.equal(result.status, 'succeeded', JSON.stringify(result.error));
    const stats = await sb.stats();
    assert.equal(stats.bill.faultsInjected.auth_expired, 1);
    assert.equal(stats.bill.callsByEndpoint['POST /connect/v3/login'], 1);
    assert.equal((await getConnection(sb.db, 'bill'))!.status, 'ok');
  });

  test('a BILL session refused again right after signing in fails the run but leaves the connection usable', async () => {
    await sb.faults('bill', { expireAuthNow: true, expireAuthRate: 1, pathPattern: 'chart-of-accounts' });
    const result = await sb.sync();
    assert.equal(result.error?.code, 'MLC_ERR_AUTH_EXPIRED');
    assert.equal((await getConnection(sb.db, 'bill'))!.status, 'ok', 'working credentials are not sent back to the user');
    await sb.faults('bill', {});
    assert.equal((await sb.sync()).status, 'succeeded');
  });

  test('a revoked Xero grant marks the connection needs_reconnect with the command to run; later runs stop before calling Xero', async () => {
    const { refreshToken } = await xeroSecret();
    const revoked = await fetch(`${sb.xero.urls.base}/connect/revocation`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${sb.xero.sandbox.clientId}:${sb.xero.sandbox.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' }).toString(),
    });
    assert.equal(revoked.status, 200);

    const result = await sb.sync();
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.code, 'MLC_ERR_RECONNECT_NEEDED');
    assert.match(result.error!.message, /ml-connector connect xero/);
    const connection = (await getConnection(sb.db, 'xero'))!;
    assert.equal(connection.status, 'needs_reconnect');
    assert.match(connection.status_reason ?? '', /ml-connector connect xero/);
    assert.equal((await getConnection(sb.db, 'bill'))!.status, 'ok', 'the BILL connection is untouched');
    const run = await sb.db.query<{ status: string; error_code: string }>("select status, error_code from runs where link = $1 order by started_at desc limit 1", [sb.link.name]);
    assert.deepEqual(run.rows[0], { status: 'failed', error_code: 'MLC_ERR_RECONNECT_NEEDED' });

    await sb.resetStats();
    const again = await sb.sync();
    assert.equal(again.error?.code, 'MLC_ERR_RECONNECT_NEEDED');
    assert.match(again.error!.message, /ml-connector connect xero --name xero\b/);
    assert.equal(callsMatching((await sb.stats()).xero, /./), 0, 'no call to Xero while the connection needs the user');
  });
});
