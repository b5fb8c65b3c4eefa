import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { forEachBackend } from '../helpers/db.ts';
import { silentLogger } from '../../src/core/log.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { startEmulators, type Emulators } from '../../src/emulators/index.ts';
import { getConnection, readSecret } from '../../src/store/repos/connections.ts';
import { XeroOAuth, type XeroCredentials } from '../../src/systems/xero/auth.ts';
import type { ServerServices } from '../../src/server/contract.ts';
import { connectPlugin, connectionHealth } from '../../src/server/connect/plugin.ts';
import { readXeroApp, urlsOf } from '../../src/app/systems/xero-app.ts';

forEachBackend('connect pages: Xero OAuth through real redirects, BILL credentials form', (b) => {
  let emulators: Emulators;
  let app: FastifyInstance;
  let services: ServerServices;
  let base = '';
  const token = randomBytes(24).toString('hex');
  const auth = { authorization: `Bearer ${token}` };
  before(async () => {
    emulators = await startEmulators({ only: ['xero', 'bill'], seed: 21 });
    const box = await openSecretBox({ dataDir: b.dataDir, masterKey: randomBytes(32).toString('hex') });
    // Pages only: no queue is needed, since connecting sends no link work.
    services = { db: b.db, box, log: silentLogger, deps: undefined as never, queue: undefined as never, apiToken: token, publicUrl: '' };
    app = Fastify();
    await app.register(connectPlugin, { services });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = services.publicUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app?.close();
    await emulators?.stop();
  });

  const form = (fields: Record<string, string>) => ({ 'content-type': 'application/x-www-form-urlencoded', body: new URLSearchParams(fields).toString() });
  const postForm = (path: string, fields: Record<string, string>, headers: Record<string, string> = auth) => {
    const f = form(fields);
    return fetch(`${base}${path}`, { method: 'POST', headers: { ...headers, 'content-type': f['content-type'] }, body: f.body, redirect: 'manual' });
  };
  const cookieOf = (res: Response): string => (res.headers.get('set-cookie') ?? '').split(';')[0]!;

  /** Starts a flow as a signed-in browser and follows Xero's consent redirect; returns the callback URL and the cookie. */
  async function startConsent(): Promise<{ callback: string; cookie: string }> {
    const start = await fetch(`${base}/connect/xero`, { headers: auth, redirect: 'manual' });
    assert.equal(start.status, 302);
    const cookie = cookieOf(start);
    assert.match(cookie, /^mlc_oauth=.{20,}/);
    const authorize = new URL(start.headers.get('location')!);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorize.searchParams.get('state'));
    const consent = await fetch(authorize, { redirect: 'manual' });
    assert.equal(consent.status, 302, `the emulator consents at once and redirects back (${authorize}: ${await consent.clone().text()})`);
    const callback = consent.headers.get('location')!;
    assert.ok(callback.startsWith(`${base}/oauth/xero/callback?`));
    return { callback, cookie };
  }

  test('pages need the API token or a dashboard session', async () => {
    // A browser without a session is sent to the dashboard's sign-in, to come back here.
    const signedOut = await fetch(`${base}/connect`, { redirect: 'manual' });
    assert.equal(signedOut.status, 303);
    assert.equal(signedOut.headers.get('location'), '/login?next=%2Fconnect');
    assert.equal((await fetch(`${base}/connect/bill`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
    assert.equal((await fetch(`${base}/connect`, { headers: auth })).status, 200);
  });

  test('the authorization-code flow connects the picked tenant; forged, foreign, replayed and expired states are refused', async () => {
    const xero = emulators.xero!;
    const saved = await postForm('/connect/xero/app', { clientId: xero.sandbox.clientId, clientSecret: xero.sandbox.clientSecret, baseUrl: xero.urls.base, webhookKey: randomBytes(32).toString('base64') });
    assert.equal(saved.status, 200);
    assert.ok(!(await saved.text()).includes(xero.sandbox.clientSecret), 'the secret is not echoed');

    const { callback, cookie } = await startConsent();
    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged-state-value');
    const refusedForged = await fetch(forged, { headers: { cookie } });
    assert.equal(refusedForged.status, 400);
    assert.match(await refusedForged.text(), /not started here/);
    const otherBrowser = await fetch(callback);
    assert.equal(otherBrowser.status, 400, 'a browser without the cookie cannot continue');
    assert.match(await otherBrowser.text(), /another browser/);

    const picker = await fetch(callback, { headers: { cookie } });
    assert.equal(picker.status, 200);
    const page = await picker.text();
    const tenants = [...page.matchAll(/name="tenantId" value="([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(tenants.sort(), [xero.tenantIds.primary, xero.tenantIds.secondary].sort());
    const replayed = await fetch(callback, { headers: { cookie } });
    assert.equal(replayed.status, 400);
    assert.match(await replayed.text(), /already used/);

    const state = new URL(callback).searchParams.get('state')!;
    const picked = await postForm('/connect/xero/pick', { state, tenantId: xero.tenantIds.secondary }, { cookie });
    assert.equal(picked.status, 200, await picked.clone().text());
    assert.equal((await postForm('/connect/xero/pick', { state, tenantId: xero.tenantIds.primary }, { cookie })).status, 400, 'a pick is single use too');
    const id = `xero-${xero.tenantIds.secondary.slice(0, 8)}`;
    const row = await getConnection(b.db, id);
    assert.equal(row?.tenant_id, xero.tenantIds.secondary);
    const secret = await readSecret<XeroCredentials>(b.db, services.box, id);
    const tenantsOfToken = await new XeroOAuth({ clientId: xero.sandbox.clientId, clientSecret: xero.sandbox.clientSecret, urls: urlsOf({ baseUrl: xero.urls.base }) }).listConnections(secret.accessToken);
    assert.ok(tenantsOfToken.some((t) => t.tenantId === xero.tenantIds.secondary), 'the stored token works');

    const late = await startConsent();
    await b.db.query("update oauth_flows set expires_at = now() - interval '1 second' where state = $1", [new URL(late.callback).searchParams.get('state')]);
    const expired = await fetch(late.callback, { headers: { cookie: late.cookie } });
    assert.equal(expired.status, 400);
    assert.match(await expired.text(), /expired/);

    const disconnected = await postForm('/connect/xero/disconnect', { connection: id });
    assert.equal(disconnected.status, 200);
    const oauth = new XeroOAuth({ clientId: xero.sandbox.clientId, clientSecret: xero.sandbox.clientSecret, urls: urlsOf({ baseUrl: xero.urls.base }) });
    await assert.rejects(oauth.refresh(secret.refreshToken), 'the refresh token was revoked at Xero');
    const health = (await connectionHealth(b.db)).find((h) => h.id === id);
    assert.equal(health?.needsReconnect, true);
    assert.match(health?.reason ?? '', /disconnected/);
  });

  test('the BILL form tests the login before saving and never echoes the password', async () => {
    const bill = emulators.bill!;
    const wrongPassword = 'wrong-password-Zq81';
    const fields = { devKey: bill.sandbox.devKey, username: bill.sandbox.username, organizationId: bill.sandbox.organizationId, baseUrl: bill.urls.base, name: 'bill-main' };
    const refused = await postForm('/connect/bill', { ...fields, password: wrongPassword });
    assert.equal(refused.status, 400);
    const text = await refused.text();
    assert.match(text, /refused these credentials/);
    assert.ok(!text.includes(wrongPassword) && !text.includes(bill.sandbox.devKey), 'neither the password nor the developer key is shown');
    assert.equal(await getConnection(b.db, 'bill-main'), null, 'nothing saved');
    const invalid = await postForm('/connect/bill', { ...fields, organizationId: 'no spaces allowed', password: 'x' });
    assert.equal(invalid.status, 400);
    assert.match(await invalid.text(), /organizationId/);

    const ok = await postForm('/connect/bill', { ...fields, password: bill.sandbox.password });
    assert.equal(ok.status, 200);
    assert.ok(!(await ok.text()).includes(bill.sandbox.password));
    const row = await getConnection(b.db, 'bill-main');
    assert.equal(row?.tenant_id, bill.sandbox.organizationId);
    assert.equal((await connectionHealth(b.db)).find((h) => h.id === 'bill-main')?.state, 'ok');
  });

  test('the Acumatica form needs the instance URL and says so, saving nothing and showing no password', async () => {
    const page = await fetch(`${base}/connect/acumatica`, { headers: auth });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Instance URL \(required/);
    const password = 'acu-secret-Zq81';
    const missing = await postForm('/connect/acumatica', { tenant: 'Company', username: 'admin', password, name: 'acu-main' });
    assert.equal(missing.status, 400);
    const text = await missing.text();
    assert.match(text, /give the Acumatica instance URL/);
    assert.ok(!text.includes(password), 'the password is not shown');
    assert.equal(await getConnection(b.db, 'acu-main'), null, 'nothing saved');
  });

  test('every connect form refuses a cross-site post, as the dashboard forms do, and changes nothing', async () => {
    const bill = emulators.bill!;
    const billFields = { devKey: bill.sandbox.devKey, username: bill.sandbox.username, password: bill.sandbox.password, organizationId: bill.sandbox.organizationId, baseUrl: bill.urls.base };
    const appBefore = await readXeroApp(services);
    const forms: [string, Record<string, string>][] = [
      ['/connect/xero/app', { clientId: 'attacker-app', clientSecret: 'attacker-secret' }],
      ['/connect/bill', { ...billFields, name: 'bill-cross-site' }],
      ['/connect/xero/pick', { state: 'any', tenantId: 'any' }],
      ['/connect/xero/disconnect', { connection: 'xero-any' }],
    ];
    for (const [path, fields] of forms) {
      for (const origin of ['https://attacker.example', 'null', 'http://127.0.0.1:1']) {
        // Even with the API token: a browser that holds a session would send the same form.
        const res = await postForm(path, fields, { ...auth, origin });
        assert.equal(res.status, 403, `${path} from ${origin}`);
        assert.equal(await res.text(), 'Cross-site form posts are refused.');
      }
    }
    assert.deepEqual(await readXeroApp(services), appBefore, 'the Xero app settings are unchanged');
    assert.equal(await getConnection(b.db, 'bill-cross-site'), null, 'no connection saved');
    // A post from the pages' own origin goes through.
    const sameSite = await postForm('/connect/bill', { ...billFields, name: 'bill-same-site' }, { ...auth, origin: base });
    assert.equal(sameSite.status, 200);
    assert.equal((await getConnection(b.db, 'bill-same-site'))?.tenant_id, bill.sandbox.organizationId);
  });
});
