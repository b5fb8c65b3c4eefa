/**
 * QuickBooks Online webhooks in, over real HTTP: the emulator signs and delivers (legacy and
 * CloudEvents, duplicates on) to /webhooks/qbo/{realmId} and /webhooks/qbo; a forged signature is
 * 401; a realm no connection is for, or not the URL's, is refused whole (403) and nothing of the
 * delivery is recorded; each followed event is recorded once per link with one job naming the
 * entity to re-read.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { forEachBackend } from '../helpers/db.ts';
import { control, type Json } from '../helpers/emulator-control.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { startQboEmulator, type QboEmulator } from '../../src/emulators/qbo/index.ts';
import { connectQboSandbox } from '../../src/sandbox/connect-qbo.ts';
import { saveConnection } from '../../src/store/repos/connections.ts';
import { saveLink } from '../../src/store/repos/links.ts';
import { startQueue, type Queue } from '../../src/store/queue.ts';
import { linkWorkJob, type ServerServices } from '../../src/server/contract.ts';
import { webhooksPlugin } from '../../src/server/webhooks/plugin.ts';

forEachBackend('QBO webhooks: verified, realm-checked, both formats, once per event', (b) => {
  let qbo: QboEmulator;
  let app: FastifyInstance;
  let queue: Queue;
  let url = '';
  let realm = '';
  let otherRealm = '';
  before(async () => {
    // Intuit's 20-60-300 s retry schedule shrunk a thousand times, so a refused delivery settles at once.
    qbo = await startQboEmulator({ seed: 37, webhookDelayScale: 0.001 });
    realm = qbo.sandbox.realmId;
    otherRealm = qbo.sandbox.otherRealmId;
    const box = await openSecretBox({ dataDir: b.dataDir, masterKey: randomBytes(32).toString('hex') });
    const rt: Runtime = { db: b.db, box, log: silentLogger, dataDir: b.dataDir, deps: undefined as never, close: async () => undefined };
    await connectQboSandbox(rt, { qboUrl: qbo.urls.base, sandbox: qbo.sandbox });
    // The hub side is only a row here: these tests look at what the endpoint records and queues.
    await saveConnection(b.db, box, { id: 'bill', system: 'bill', label: 'org', tenantId: 'org-webhooks', config: {}, secret: {} });
    await saveLink(b.db, { name: 'qbo-hooks', pair: 'bill-qbo', erpSystem: 'qbo', erpConnectionId: 'qbo', billConnectionId: 'bill', settings: { pollCron: '*/15 * * * *' } });
    queue = await startQueue(b.db, { jobs: [linkWorkJob], pollingIntervalSeconds: 0.5, statsIntervalSeconds: 1 });
    const services: ServerServices = { db: b.db, box, log: silentLogger, deps: undefined as never, queue, apiToken: randomBytes(24).toString('hex'), publicUrl: '' };
    app = Fastify();
    await app.register(webhooksPlugin, { services });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app?.close();
    await queue?.stop({ timeoutMs: 2000 });
    await qbo?.stop();
  });

  const sign = (body: string, token = qbo.sandbox.webhookVerifierToken) => createHmac('sha256', token).update(body).digest('base64');
  const post = (path: string, body: string, signature: string | null = sign(body)) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature !== null ? { 'intuit-signature': signature } : {}) }, body });
  const recorded = async () => (await b.db.query<{ n: number }>("select count(*)::int as n from webhook_events where system = 'qbo'")).rows[0]!.n;
  const jobs = async () => (await b.db.query<{ n: number }>("select count(*)::int as n from pgboss.job where name = 'link-work'")).rows[0]!.n;
  const counts = async () => ({ events: await recorded(), jobs: await jobs() });
  const cloudEvent = (realmId: string, entity: string, id: string, verb = 'updated', eventId: string = randomUUID()) =>
    ({ specversion: '1.0', id: eventId, source: 'test', type: `qbo.${entity}.${verb}.v1`, time: '2026-09-01T10:00:00Z', intuitentityid: id, intuitaccountid: realmId, data: {} });
  const legacy = (realmId: string, entities: { name: string; id: string; operation?: string }[]) =>
    ({ eventNotifications: [{ realmId, dataChangeEvent: { entities: entities.map((e) => ({ operation: 'Update', lastUpdated: '2026-09-01T10:00:00.000Z', ...e })) } }] });
  /** A QuickBooks user creates a vendor in the company; the emulator delivers what that raised. */
  async function userCreatesVendor(realmId: string, name: string): Promise<Json[]> {
    const before = (await control(qbo.urls.base, 'GET', '/webhooks/deliveries')).deliveries.length;
    await control(qbo.urls.base, 'POST', '/user-edit', { realmId, entity: 'Vendor', operation: 'create', record: { DisplayName: name } });
    await qbo.flushWebhooks();
    return (await control(qbo.urls.base, 'GET', '/webhooks/deliveries')).deliveries.slice(before);
  }
  const statuses = (deliveries: Json[]) => deliveries.map((d) => d.attempts.at(-1)?.status);

  test('an emulator-signed legacy delivery to the realm URL is recorded once per event, with one job; its duplicate adds nothing', async () => {
    await control(qbo.urls.base, 'POST', '/webhooks', { url: `${url}/webhooks/qbo/${realm}`, format: 'legacy', duplicate: true });
    const before = await counts();
    const deliveries = await userCreatesVendor(realm, 'Webhook Legacy Ltd');
    assert.deepEqual(statuses(deliveries), [200, 200], 'both copies acknowledged');
    assert.deepEqual(await counts(), { events: before.events + 1, jobs: before.jobs + 1 });
    const row = (await b.db.query<{ link: string; payload: Json; event_key: string }>("select link, payload, event_key from webhook_events where system = 'qbo' order by id desc limit 1")).rows[0]!;
    assert.equal(row.link, 'qbo-hooks');
    assert.deepEqual([row.payload.realmId, row.payload.entity, row.payload.operation], [realm, 'Vendor', 'Create']);
    assert.ok(row.event_key.startsWith(`${realm}|Vendor|`) && row.event_key.endsWith('@qbo-hooks'));
    const job = (await b.db.query<{ data: Json }>("select data from pgboss.job where name = 'link-work' order by created_on desc limit 1")).rows[0]!.data;
    assert.deepEqual([job.kind, job.link, job.system, job.entity, job.ids], ['records', 'qbo-hooks', 'qbo', 'vendor', [row.payload.id]]);
  });

  test('an emulator-signed CloudEvents delivery to /webhooks/qbo is recorded once by its event id; its duplicate adds nothing', async () => {
    await control(qbo.urls.base, 'POST', '/webhooks', { url: `${url}/webhooks/qbo`, format: 'cloudevents', duplicate: true });
    const before = await counts();
    const deliveries = await userCreatesVendor(realm, 'Webhook Cloud Inc');
    assert.deepEqual(statuses(deliveries), [200, 200]);
    assert.deepEqual(await counts(), { events: before.events + 1, jobs: before.jobs + 1 });
    const row = (await b.db.query<{ payload: Json; event_key: string }>("select payload, event_key from webhook_events where system = 'qbo' order by id desc limit 1")).rows[0]!;
    assert.equal(row.event_key, `${realm}|ce:${row.payload.eventSource}|${row.payload.eventId}@qbo-hooks`);
    assert.ok(row.payload.eventSource && row.payload.eventId, 'the event is identified by its CloudEvents source and id');
  });

  test('a forged or missing signature is 401 and records nothing', async () => {
    const body = JSON.stringify([cloudEvent(realm, 'vendor', '77')]);
    const before = await counts();
    const forged = await post(`/webhooks/qbo/${realm}`, body, sign(body, 'not-the-verifier-token-at-all'));
    assert.equal(forged.status, 401);
    assert.equal(await forged.text(), '');
    assert.equal((await post('/webhooks/qbo', body, null)).status, 401);
    assert.equal((await post('/webhooks/qbo', `${body} `, sign(body))).status, 401, 'the signature covers the raw bytes');
    assert.deepEqual(await counts(), before);
  });

  test("a realm no connection is for, or not the URL's, is refused whole and nothing of the delivery is recorded", async () => {
    const before = await counts();
    // Another company of the same Intuit app, never connected here, as the emulator delivers it.
    await control(qbo.urls.base, 'POST', '/webhooks', { url: `${url}/webhooks/qbo`, format: 'legacy' });
    assert.ok(statuses(await userCreatesVendor(otherRealm, 'Foreign Realm Co')).every((s) => s === 403));
    const mine = cloudEvent(realm, 'vendor', '5');
    // A mixed batch with a foreign realm: the connected company's event is not recorded either.
    assert.equal((await post('/webhooks/qbo', JSON.stringify([mine, cloudEvent(otherRealm, 'vendor', '6')]))).status, 403);
    // The path names one realm: every event must be that realm's, and the realm must be connected.
    assert.equal((await post(`/webhooks/qbo/${otherRealm}`, JSON.stringify([mine]))).status, 403);
    assert.equal((await post(`/webhooks/qbo/${realm}`, JSON.stringify(legacy(otherRealm, [{ name: 'Vendor', id: '6' }])))).status, 403);
    assert.equal((await post(`/webhooks/qbo/${otherRealm}`, JSON.stringify([]))).status, 403, 'even an empty batch for an unknown realm');
    assert.deepEqual(await counts(), before);
  });

  test('QBO entities map to what is re-read: Vendor → vendor, PurchaseOrder and Bill → bill, BillPayment → payment; others are acknowledged and ignored', async () => {
    const before = await counts();
    const events = [cloudEvent(realm, 'vendor', 'v1'), cloudEvent(realm, 'purchaseorder', 'po1', 'created'), cloudEvent(realm, 'bill', 'b1'), cloudEvent(realm, 'billpayment', 'bp1', 'created'), cloudEvent(realm, 'account', 'a1')];
    assert.equal((await post(`/webhooks/qbo/${realm}`, JSON.stringify(events))).status, 200);
    assert.equal(await recorded(), before.events + 4, 'the Account event is not followed');
    const newJobs = (await b.db.query<{ data: Json }>("select data from pgboss.job where name = 'link-work' order by created_on desc limit 3")).rows.map((r) => r.data);
    const byEntity = Object.fromEntries(newJobs.map((j) => [j.entity, [...j.ids].sort()]));
    assert.deepEqual(byEntity, { vendor: ['v1'], bill: ['b1', 'po1'], payment: ['bp1'] });
    assert.equal(await jobs(), before.jobs + 3, 'one job per entity');
    const legacyBody = JSON.stringify(legacy(realm, [{ name: 'Class', id: 'c1' }]));
    assert.equal((await post(`/webhooks/qbo/${realm}`, legacyBody)).status, 200);
    assert.equal(await recorded(), before.events + 4);
  });

  test('a signed body that is not a QBO payload is 400; a realm path on a system without realm URLs is 404', async () => {
    const before = await counts();
    const body = JSON.stringify({ hello: 'world' });
    assert.equal((await post('/webhooks/qbo', body)).status, 400);
    assert.equal((await post(`/webhooks/xero/${realm}`, body)).status, 404);
    assert.equal((await post(`/webhooks/nowhere/${realm}`, body)).status, 404);
    assert.deepEqual(await counts(), before);
  });
});
