/**
 * An Acumatica connection through OAuth 2.0 instead of a cookie session, over real HTTP: connected
 * with the connected application's client id and secret through the credentials flow a user runs
 * (the password grant; the password is not kept), a sync that sends a released bill to BILL on
 * Bearer tokens alone, and, once the emulator's clock has run past the hour, a refresh whose
 * rotated refresh token is what the connection stores (the spent one refused by Acumatica).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { ConnectorError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { engineDeps } from '../../src/app/engine-deps.ts';
import { acumaticaSystem } from '../../src/app/systems/acumatica.ts';
import { acumaticaWebhook, pushSecretOf } from '../../src/app/systems/acumatica-webhook.ts';
import { acumaticaCredentialsFlow } from '../../src/app/systems/acumatica-credentials.ts';
import { startAcumaticaEmulator, type AcumaticaEmulator } from '../../src/emulators/acumatica/index.ts';
import { startBillEmulator, type BillEmulator } from '../../src/emulators/bill/index.ts';
import { syncLink } from '../../src/engine/sync.ts';
import type { Link } from '../../src/model/link.ts';
import { connectAcumaticaSandbox } from '../../src/sandbox/connect-acumatica.ts';
import type { ServerServices } from '../../src/server/contract.ts';
import { connectPlugin } from '../../src/server/connect/plugin.ts';
import { getConnection, readSecret } from '../../src/store/repos/connections.ts';
import type { AcumaticaOAuthCredentials } from '../../src/systems/acumatica/oauth.ts';
import { forEachBackend } from '../helpers/db.ts';
import { control, type Json } from '../helpers/emulator-control.ts';

const plain = (r: Json): Json => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v && typeof v === 'object' && 'value' in v ? v.value : v]));

forEachBackend('Acumatica over OAuth 2.0', (b) => {
  let acu: AcumaticaEmulator;
  let bill: BillEmulator;
  let rt: Runtime;
  let link: Link;

  before(async () => {
    acu = await startAcumaticaEmulator({ seed: 23, initialSeed: { vendors: 4, bills: 10 } });
    bill = await startBillEmulator({ seed: 23 });
    bill.seed({ vendors: 0, bills: 0 });
    const box = await openSecretBox({ dataDir: b.dataDir, masterKey: randomBytes(32).toString('hex') });
    rt = { db: b.db, box, log: silentLogger, dataDir: b.dataDir, deps: engineDeps({ db: b.db, box, log: silentLogger }), close: async () => undefined };
    ({ link } = await connectAcumaticaSandbox(rt, { acumatica: acu, bill }, { linkName: 'acu', auth: 'oauth' }));
  });
  after(async () => {
    await acu?.stop();
    await bill?.stop();
  });

  const stats = async (): Promise<Record<string, number>> => (await control(acu.urls.base, 'GET', '/stats')).callsByEndpoint;
  const secret = () => readSecret<AcumaticaOAuthCredentials>(b.db, rt.box, 'acumatica');
  const billBills = async (): Promise<Json[]> => (await control(bill.urls.base, 'GET', '/state')).organizations.find((o: Json) => o.id === bill.sandbox.organizationId).bills;
  const acuBills = async (): Promise<Json[]> => ((await control(acu.urls.base, 'GET', '/state')).tenants[0].records.Bill as Json[]).map(plain);
  const refreshWith = (refreshToken: string) =>
    fetch(acu.urls.token, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: acu.sandbox.clientId, client_secret: acu.sandbox.clientSecret }) });

  test('connected with the client id: tokens and the client secret are kept, never the password', async () => {
    const row = await getConnection(b.db, 'acumatica');
    assert.equal(row?.config.auth, 'oauth');
    assert.equal(row?.config.clientId, acu.sandbox.clientId);
    assert.ok(row?.token_expires_at, 'the access token expiry is on the row');
    const saved = await secret();
    assert.equal(typeof saved.accessToken, 'string');
    assert.equal(typeof saved.refreshToken, 'string');
    assert.equal(saved.clientSecret, acu.sandbox.clientSecret);
    assert.equal('password' in saved, false, 'the password was used once for the grant');
    const found = await acumaticaSystem.ping(rt, 'acumatica');
    assert.equal(found.auth, 'oauth');
    const advice = acumaticaSystem.reconnectCommand(row!);
    assert.match(advice, /\/connect\/acumatica/);
    assert.ok(advice.includes(acu.sandbox.clientId) && !advice.includes(acu.sandbox.clientSecret), 'names the client, not its secret');
  });

  test('a sync sends the released bills to BILL on Bearer tokens, with no cookie sign-in', async () => {
    const before = (await stats())['POST /entity/auth/login'] ?? 0;
    const run = await syncLink(rt.deps, link);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    const open = (await acuBills()).filter((x) => x.Type === 'Bill' && x.Status === 'Open' && x.Balance === x.Amount);
    assert.ok(open.length > 0, 'the seed has released bills');
    const numbers = new Set((await billBills()).map((x: Json) => x.invoice?.invoiceNumber ?? x.invoiceNumber));
    for (const x of open) assert.ok(numbers.has(x.VendorRef ?? x.ReferenceNbr), `bill ${x.ReferenceNbr} in BILL`);
    assert.equal((await stats())['POST /entity/auth/login'] ?? 0, before, 'no cookie session was opened');
  });

  test('past the hour the token is refreshed, and the rotated refresh token is the one stored', async () => {
    const first = await secret();
    // The emulator's hour passes: the stored access token is refused, so the next call refreshes.
    await control(acu.urls.base, 'POST', '/clock', { advanceSeconds: 3700 });
    const balanced = (await acuBills()).find((x) => x.Type === 'Bill' && x.Status === 'Balanced');
    assert.ok(balanced, 'the seed has a balanced bill');
    await control(acu.urls.base, 'POST', '/documents/ReleaseBill', { type: 'Bill', referenceNbr: balanced.ReferenceNbr });
    const run = await syncLink(rt.deps, link);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    const numbers = (await billBills()).map((x: Json) => x.invoice?.invoiceNumber ?? x.invoiceNumber);
    assert.ok(numbers.includes(balanced.VendorRef ?? balanced.ReferenceNbr), 'the bill released after the refresh is in BILL');

    const next = await secret();
    assert.notEqual(next.accessToken, first.accessToken);
    assert.notEqual(next.refreshToken, first.refreshToken, 'the refresh token rotated');
    assert.equal((await refreshWith(first.refreshToken)).status, 400, 'the spent refresh token is refused by Acumatica');
    // Spends the stored token: the connection is not used after this.
    const chained = await refreshWith(next.refreshToken);
    assert.equal(chained.status, 200, 'the stored one is the live one');
  });

  test('a wrong password or a client of another tenant is refused before anything is saved', async () => {
    const urls = acumaticaCredentialsFlow.urlsFor(acu.urls.base);
    const values = { tenant: acu.sandbox.tenant, username: acu.sandbox.name, password: 'not-the-password', clientId: acu.sandbox.clientId, clientSecret: acu.sandbox.clientSecret };
    await assert.rejects(acumaticaCredentialsFlow.check(values, urls, silentLogger), (e: unknown) => e instanceof ConnectorError && e.code === 'MLC_ERR_BAD_CREDENTIALS');
    const otherTenant = { ...values, password: acu.sandbox.password, clientId: acu.sandbox.clientId.replace(/@.*$/, '@Elsewhere') };
    await assert.rejects(acumaticaCredentialsFlow.check(otherTenant, urls, silentLogger), (e: unknown) => e instanceof ConnectorError && e.code === 'MLC_ERR_CONFIG' && /tenant 'Elsewhere'/.test(e.message));
    assert.equal(acumaticaCredentialsFlow.schema.safeParse({ tenant: 'Company', username: 'u', password: 'p', clientSecret: 's' }).success, false, 'a secret without its client id');
  });

  test('the connect page takes the OAuth client; connecting again keeps the push secret pasted into Acumatica', async () => {
    const token = randomBytes(24).toString('hex');
    const services: ServerServices = { db: b.db, box: rt.box, log: silentLogger, deps: undefined as never, queue: undefined as never, apiToken: token, publicUrl: '' };
    const app = Fastify();
    await app.register(connectPlugin, { services });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const page = await (await fetch(`${base}/connect/acumatica`, { headers: { authorization: `Bearer ${token}` } })).text();
      assert.match(page, /OAuth client id/);
      const fields = { tenant: acu.sandbox.tenant, username: acu.sandbox.name, password: acu.sandbox.password, clientId: acu.sandbox.clientId, clientSecret: acu.sandbox.clientSecret, baseUrl: acu.urls.base, name: 'acu-page' };
      const connect = async () => {
        const res = await fetch(`${base}/connect/acumatica`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
        const text = await res.text();
        assert.equal(res.status, 200, text);
        for (const hidden of [acu.sandbox.password, acu.sandbox.clientSecret]) assert.equal(text.includes(hidden), false, 'no secret on the page');
        return readSecret<AcumaticaOAuthCredentials>(b.db, rt.box, 'acu-page');
      };
      const first = await connect();
      assert.equal((await getConnection(b.db, 'acu-page'))?.config.auth, 'oauth');
      assert.ok(first.refreshToken && !('password' in first));
      assert.equal(await pushSecretOf(rt, 'acu-page'), null, 'no push secret before ping issues one');
      const issued = ((await acumaticaSystem.ping(rt, 'acu-page')).pushNotifications as Json).headerValue;
      assert.equal(await pushSecretOf(rt, 'acu-page'), issued, 'issued and stored by ping');

      const again = await connect();
      assert.notEqual(again.refreshToken, first.refreshToken, 'the credentials were replaced');
      assert.equal(((await acumaticaSystem.ping(rt, 'acu-page')).pushNotifications as Json).headerValue, issued, 'the push secret is the same');
      const body = Buffer.from(JSON.stringify({ Inserted: [{ VendorID: 'V0001' }], Deleted: [], Query: 'AP-Vendors', Id: 'n-1', TimeStamp: 1 }));
      const read = await acumaticaWebhook.read(rt, body, issued);
      assert.equal(read.status, 200, 'a notification with it is still taken');
    } finally {
      await app.close();
    }
  });
});
