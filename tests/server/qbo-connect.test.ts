/**
 * Connecting QuickBooks Online through the real OAuth path, over real HTTP against the emulator:
 * the connect page to Intuit's consent and back with `realmId` (no company to pick), the sandbox
 * connect the demo and tests use, tokens sealed at rest, reconnection keeping the connection's id, a
 * disconnected or revoked grant asking for the exact reconnect command, and two refreshers racing on
 * one token chain storing one refresh.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { forEachBackend } from '../helpers/db.ts';
import { control } from '../helpers/emulator-control.ts';
import { silentLogger } from '../../src/core/log.ts';
import { ConnectorError } from '../../src/core/errors.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { openQboClient, qboSystem } from '../../src/app/systems/qbo.ts';
import { qboUrlsOf } from '../../src/app/systems/qbo-app.ts';
import { reconnectCommand } from '../../src/app/reconnect.ts';
import { startQboEmulator, type QboEmulator } from '../../src/emulators/qbo/index.ts';
import { connectQboSandbox } from '../../src/sandbox/connect-qbo.ts';
import { openDatabase } from '../../src/store/db.ts';
import { getConnection, markNeedsReconnect, readSecret, updateSecret } from '../../src/store/repos/connections.ts';
import type { QboCredentials, QboUrls } from '../../src/systems/qbo/auth.ts';
import type { ServerServices } from '../../src/server/contract.ts';
import { connectPlugin, connectionHealth } from '../../src/server/connect/plugin.ts';

type Stored = QboCredentials & { clientSecret?: string };

test("the base URL chooses each connection's environment, and the reconnect command names it again", () => {
  const production = qboUrlsOf(undefined);
  assert.deepEqual([production.environment, production.urls.api, production.urls.oauth], ['production', 'https://quickbooks.api.intuit.com', 'https://oauth.platform.intuit.com']);
  const sandbox = qboUrlsOf('https://sandbox-quickbooks.api.intuit.com/');
  assert.deepEqual([sandbox.environment, sandbox.urls.api, sandbox.urls.appcenter], ['sandbox', 'https://sandbox-quickbooks.api.intuit.com', 'https://appcenter.intuit.com'], "Intuit's own OAuth hosts serve sandbox companies too");
  const emulator = qboUrlsOf('http://127.0.0.1:4013');
  assert.deepEqual(Object.values(emulator.urls), Array(4).fill('http://127.0.0.1:4013'), 'one host serves OAuth and API');
  const row = (urls: QboUrls) => ({ id: 'books', system: 'qbo' as const, tenant_id: '123', config: { clientId: 'app-1', environment: 'sandbox', urls } });
  assert.equal(qboSystem.reconnectCommand(row(production.urls)), 'ml-connector connect qbo --name books --client-id app-1');
  assert.equal(qboSystem.reconnectCommand(row(sandbox.urls)), 'ml-connector connect qbo --name books --client-id app-1 --base-url https://sandbox-quickbooks.api.intuit.com');
  assert.equal(qboSystem.reconnectCommand(row(emulator.urls)), 'ml-connector connect qbo --name books --client-id app-1 --base-url http://127.0.0.1:4013');
  assert.equal(qboSystem.connect.kind === 'oauth2-code' && qboSystem.connect.tenantInCallback, 'realmId');
});

forEachBackend('QBO connect: consent with realmId, sealed tokens, reconnect advice, one refresh chain', (b) => {
  let qbo: QboEmulator;
  let app: FastifyInstance;
  let services: ServerServices;
  let rt: Runtime;
  let base = '';
  const token = randomBytes(24).toString('hex');
  const auth = { authorization: `Bearer ${token}` };
  before(async () => {
    qbo = await startQboEmulator({ seed: 31 });
    const box = await openSecretBox({ dataDir: b.dataDir, masterKey: randomBytes(32).toString('hex') });
    services = { db: b.db, box, log: silentLogger, deps: undefined as never, queue: undefined as never, apiToken: token, publicUrl: '' };
    rt = { db: b.db, box, log: silentLogger, dataDir: b.dataDir, deps: undefined as never, close: async () => undefined };
    app = Fastify();
    await app.register(connectPlugin, { services });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = services.publicUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app?.close();
    await qbo?.stop();
  });

  const postForm = (path: string, fields: Record<string, string>, headers: Record<string, string> = auth) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), redirect: 'manual' });
  const cookieOf = (res: Response): string => (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const tokenCalls = () => qbo.ctx.stats.snapshot().callsByEndpoint['POST /oauth2/v1/tokens/bearer'] ?? 0;

  /** A signed-in browser starts the flow and follows Intuit's consent redirect; returns the callback URL and the flow cookie. */
  async function consent(): Promise<{ callback: URL; cookie: string }> {
    const start = await fetch(`${base}/connect/qbo`, { headers: auth, redirect: 'manual' });
    assert.equal(start.status, 302, await start.clone().text());
    const authorize = new URL(start.headers.get('location')!);
    assert.equal(authorize.origin + authorize.pathname, qbo.urls.authorize);
    assert.equal(authorize.searchParams.get('scope'), 'com.intuit.quickbooks.accounting');
    assert.ok(authorize.searchParams.get('state'));
    const back = await fetch(authorize, { redirect: 'manual' });
    assert.equal(back.status, 302);
    const callback = new URL(back.headers.get('location')!);
    assert.equal(callback.origin + callback.pathname, `${base}/oauth/qbo/callback`);
    return { callback, cookie: cookieOf(start) };
  }

  test('the connect page goes to consent and back: the realm in the callback is the connection, sealed, with no company to pick', async () => {
    const noSecret = await postForm('/connect/qbo/app', { clientId: qbo.sandbox.clientId, baseUrl: qbo.urls.base });
    assert.equal(noSecret.status, 400);
    assert.match(await noSecret.text(), /client secret is required/);
    const saved = await postForm('/connect/qbo/app', { clientId: qbo.sandbox.clientId, clientSecret: qbo.sandbox.clientSecret, baseUrl: qbo.urls.base, verifierToken: qbo.sandbox.webhookVerifierToken });
    assert.equal(saved.status, 200, await saved.clone().text());
    const settingsPage = await (await fetch(`${base}/connect`, { headers: auth })).text();
    assert.ok(!settingsPage.includes(qbo.sandbox.clientSecret) && !settingsPage.includes(qbo.sandbox.webhookVerifierToken), 'secrets are never shown');
    assert.match(settingsPage, /\/webhooks\/qbo/);

    const { callback, cookie } = await consent();
    assert.equal(callback.searchParams.get('realmId'), qbo.sandbox.realmId);
    const done = await fetch(callback, { headers: { cookie } });
    const page = await done.text();
    assert.equal(done.status, 200, page);
    assert.doesNotMatch(page, /name="tenantId"/, 'no picker: the realm was chosen at consent');
    const id = `qbo-${qbo.sandbox.realmId.slice(-8)}`;
    assert.match(page, new RegExp(`connection <code>${id}</code>`));
    const replayed = await fetch(callback, { headers: { cookie } });
    assert.equal(replayed.status, 400);
    assert.match(await replayed.text(), /already used/);

    const row = await getConnection(b.db, id);
    assert.equal(row?.system, 'qbo');
    assert.equal(row?.tenant_id, qbo.sandbox.realmId);
    assert.equal(row?.config.environment, 'sandbox');
    const secret = await readSecret<Stored>(b.db, services.box, id);
    assert.equal(secret.realmId, qbo.sandbox.realmId);
    const raw = (await b.db.query<{ secret: string }>('select secret from connections where id = $1', [id])).rows[0]!.secret;
    for (const value of [secret.accessToken, secret.refreshToken, qbo.sandbox.clientSecret]) assert.ok(!raw.includes(value), 'tokens and the app secret are sealed at rest');
    const ping = await qboSystem.ping(rt, id);
    assert.equal(ping.realmId, qbo.sandbox.realmId);
    assert.ok((ping.vendors as number) >= 5 && (ping.bankAccounts as number) >= 1 && (ping.expenseAccounts as number) >= 6, JSON.stringify(ping));
    assert.equal(ping.openPurchaseOrders, 0);
  });

  test('a callback without realmId connects nothing; connecting the same company again keeps its connection id', async () => {
    const { callback, cookie } = await consent();
    callback.searchParams.delete('realmId');
    const refused = await fetch(callback, { headers: { cookie } });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /no realmId/);

    const again = await consent();
    const before = (await b.db.query<{ id: string }>("select id from connections where system = 'qbo' order by id")).rows.map((r) => r.id);
    assert.equal((await fetch(again.callback, { headers: { cookie: again.cookie } })).status, 200);
    const afterIds = (await b.db.query<{ id: string }>("select id from connections where system = 'qbo' order by id")).rows.map((r) => r.id);
    assert.deepEqual(afterIds, before);
  });

  test('the sandbox connect takes the real OAuth path and stores the company it was granted', async () => {
    const tokensBefore = tokenCalls();
    const connected = await connectQboSandbox(rt, { qboUrl: qbo.urls.base, sandbox: qbo.sandbox, connectionId: 'qbo-sandbox' });
    assert.deepEqual(connected, { connectionId: 'qbo-sandbox', realmId: qbo.sandbox.realmId });
    assert.equal(tokenCalls(), tokensBefore + 1, 'one code exchange at the token endpoint');
    const row = await getConnection(b.db, 'qbo-sandbox');
    assert.equal(row?.tenant_id, qbo.sandbox.realmId);
    const port = await qboSystem.openSide(rt, 'qbo-sandbox');
    assert.equal(port.tenantId, qbo.sandbox.realmId);
    assert.ok((await port.chart!.list()).some((a) => a.kind === 'expense'));
  });

  test('two refreshers racing on one connection refresh once and store one token chain', async () => {
    await connectQboSandbox(rt, { qboUrl: qbo.urls.base, sandbox: qbo.sandbox, connectionId: 'qbo-race' });
    const original = await readSecret<Stored>(b.db, services.box, 'qbo-race');
    // With most of its hour left, the access token is used as it is.
    const early = await openQboClient(rt, 'qbo-race');
    await early.client.forRealm(qbo.sandbox.realmId).queryAll('Account');
    assert.equal(early.client.tokens.refreshCount, 0);
    // Six minutes left is still outside the five-minute skew (a refresh about every 55 minutes).
    await updateSecret<Stored>(b.db, services.box, 'qbo-race', async (c) => ({ ...c, expiresAt: Date.now() + 6 * 60_000 }));
    const sixLeft = await openQboClient(rt, 'qbo-race');
    await sixLeft.client.forRealm(qbo.sandbox.realmId).queryAll('Account');
    assert.equal(sixLeft.client.tokens.refreshCount, 0);
    // The access token is about to expire (inside the 5-minute skew): every caller wants a refresh.
    await updateSecret<Stored>(b.db, services.box, 'qbo-race', async (c) => ({ ...c, expiresAt: Date.now() + 60_000 }));
    // A second database handle stands in for a second process where the back-end has one (PostgreSQL).
    const otherDb = b.databaseUrl ? await openDatabase({ databaseUrl: b.databaseUrl }) : b.db;
    try {
      const a = await openQboClient(rt, 'qbo-race');
      const other = await openQboClient({ ...rt, db: otherDb }, 'qbo-race');
      const tokensBefore = tokenCalls();
      const reads = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : other).client.forRealm(qbo.sandbox.realmId).queryAll('Account')));
      assert.ok(reads.every((r) => r.length > 0));
      assert.equal(tokenCalls() - tokensBefore, 1, 'exactly one refresh at Intuit');
      assert.equal(a.client.tokens.refreshCount + other.client.tokens.refreshCount, 1);
      const stored = await readSecret<Stored>(b.db, services.box, 'qbo-race');
      assert.notEqual(stored.refreshToken, original.refreshToken, 'the rotated refresh token is stored');
      assert.equal(stored.realmId, qbo.sandbox.realmId, 'the refresh keeps the realm');
      assert.equal(stored.clientSecret, qbo.sandbox.clientSecret, 'and the app secret beside the tokens');
      // The stored token is the head of the chain: it refreshes again.
      await updateSecret<Stored>(b.db, services.box, 'qbo-race', async (c) => ({ ...c, expiresAt: Date.now() }));
      const fresh = await openQboClient(rt, 'qbo-race');
      assert.ok((await fresh.client.forRealm(qbo.sandbox.realmId).queryAll('Vendor')).length > 0);
      assert.equal(fresh.client.tokens.refreshCount, 1);
    } finally {
      if (otherDb !== b.db) await otherDb.close();
    }
  });

  test('a company that disconnected the app asks for reconnection with the exact command, and the connection refuses to open until then', async () => {
    await connectQboSandbox(rt, { qboUrl: qbo.urls.base, sandbox: qbo.sandbox, connectionId: 'qbo-gone' });
    const { client, realmId } = await openQboClient(rt, 'qbo-gone');
    await control(qbo.urls.base, 'POST', '/disconnect', { realmId });
    let failure: ConnectorError | undefined;
    await assert.rejects(client.forRealm(realmId).queryAll('Vendor'), (e: unknown) => {
      failure = e as ConnectorError;
      return e instanceof ConnectorError && e.code === 'MLC_ERR_RECONNECT_NEEDED' && /invalid_grant/.test(e.message) && /disconnected/.test(e.message);
    });
    // What a run does with that error (engine/sync.ts): the connection is marked, with the reason.
    await markNeedsReconnect(b.db, 'qbo-gone', failure!.message);
    const row = (await getConnection(b.db, 'qbo-gone'))!;
    const command = reconnectCommand(row);
    assert.equal(command, `ml-connector connect qbo --name qbo-gone --client-id ${qbo.sandbox.clientId} --base-url ${qbo.urls.base}`);
    await assert.rejects(qboSystem.openSide(rt, 'qbo-gone'), (e: unknown) =>
      e instanceof ConnectorError && e.code === 'MLC_ERR_RECONNECT_NEEDED' && e.message.endsWith(`Connect it again with: ${command}`) && e.message.split('ml-connector connect').length === 2);
    const health = (await connectionHealth(b.db)).find((h) => h.id === 'qbo-gone');
    assert.equal(health?.needsReconnect, true);
    assert.match(health?.reason ?? '', /disconnected/);
    // Connecting it again under its name makes it usable at once.
    await connectQboSandbox(rt, { qboUrl: qbo.urls.base, sandbox: qbo.sandbox, connectionId: 'qbo-gone' });
    assert.equal((await qboSystem.openSide(rt, 'qbo-gone')).tenantId, realmId);
  });

  test('disconnecting on the connect page revokes the grant at Intuit and pauses the connection', async () => {
    await connectQboSandbox(rt, { qboUrl: qbo.urls.base, sandbox: qbo.sandbox, connectionId: 'qbo-revoke' });
    const secret = await readSecret<Stored>(b.db, services.box, 'qbo-revoke');
    const res = await postForm('/connect/qbo/disconnect', { connection: 'qbo-revoke' });
    assert.equal(res.status, 200, await res.clone().text());
    const refresh = await fetch(qbo.urls.token, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${qbo.sandbox.clientId}:${qbo.sandbox.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: secret.refreshToken }).toString(),
    });
    assert.equal(refresh.status, 400);
    assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_grant', 'the refresh token was revoked');
    const health = (await connectionHealth(b.db)).find((h) => h.id === 'qbo-revoke');
    assert.equal(health?.needsReconnect, true);
    await assert.rejects(qboSystem.openSide(rt, 'qbo-revoke'), /Connect it again with: ml-connector connect qbo --name qbo-revoke/);
  });
});
