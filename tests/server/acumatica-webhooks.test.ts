/**
 * Acumatica push notifications over real HTTP: the Acumatica emulator's webhook destination points
 * at the connector's /webhooks/acumatica with the header and value the connection was issued (as a
 * customer sets it on Push Notifications, SM302000), the server records each event and its link
 * workers re-read the record; the result is judged by the BILL emulator's state. No sync is run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { silentLogger } from '../../src/core/log.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { engineDeps } from '../../src/app/engine-deps.ts';
import { acumaticaSystem } from '../../src/app/systems/acumatica.ts';
import { startAcumaticaEmulator, type AcumaticaEmulator } from '../../src/emulators/acumatica/index.ts';
import { startBillEmulator, type BillEmulator } from '../../src/emulators/bill/index.ts';
import { connectAcumaticaSandbox, pointAcumaticaPush } from '../../src/sandbox/connect-acumatica.ts';
import { startQueue, type Queue } from '../../src/store/queue.ts';
import { linkWorkJob, type ServerServices } from '../../src/server/contract.ts';
import { webhooksPlugin } from '../../src/server/webhooks/plugin.ts';
import { startLinkWorkers } from '../../src/server/worker/index.ts';
import { pushedRecords } from '../../src/systems/acumatica/webhooks.ts';
import { forEachBackend } from '../helpers/db.ts';
import { control, type Json } from '../helpers/emulator-control.ts';
import { waitFor } from './webhooks-fixture.ts';

const plain = (r: Json): Json => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v && typeof v === 'object' && 'value' in v ? v.value : v]));

forEachBackend('Acumatica push notifications', (b) => {
  let acu: AcumaticaEmulator;
  let bill: BillEmulator;
  let queue: Queue;
  let app: FastifyInstance;
  let services: ServerServices;
  let rt: Runtime;

  before(async () => {
    // Acumatica's retry spacing (1-2-4-8 s) shrunk, so a refused delivery is retried within the test.
    acu = await startAcumaticaEmulator({ seed: 21, webhookDelayScale: 0.01, initialSeed: { vendors: 6, bills: 48 } });
    bill = await startBillEmulator({ seed: 21 });
    bill.seed({ vendors: 0, bills: 0 });
    const box = await openSecretBox({ dataDir: b.dataDir, masterKey: randomBytes(32).toString('hex') });
    rt = { db: b.db, box, log: silentLogger, dataDir: b.dataDir, deps: engineDeps({ db: b.db, box, log: silentLogger }), close: async () => undefined };
    await connectAcumaticaSandbox(rt, { acumatica: acu, bill }, { linkName: 'acu' });
    // The emulator's licence is larger than the spec's small-licence budget: use it, as a customer would.
    const limits = { concurrency: { published: 4, budget: 3 }, windows: [{ name: 'minute', published: 600, budget: 300 }] };
    await b.db.query(`update connections set config = config || $1::jsonb where id = 'acumatica'`, [JSON.stringify({ limits })]);
    queue = await startQueue(b.db, { jobs: [linkWorkJob], pollingIntervalSeconds: 0.5, statsIntervalSeconds: 1 });
    app = Fastify();
    services = { db: b.db, box, log: silentLogger, deps: rt.deps, queue, apiToken: randomBytes(24).toString('hex'), publicUrl: '' };
    await app.register(webhooksPlugin, { services });
    await app.listen({ port: 0, host: '127.0.0.1' });
    services.publicUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await pointAcumaticaPush(rt, acu.urls.base, services.publicUrl);
    await startLinkWorkers(services, { concurrency: 1 });
  });
  after(async () => {
    await app?.close();
    await queue?.stop({ timeoutMs: 5000 });
    await acu?.stop();
    await bill?.stop();
  });

  const acuBills = async (): Promise<Json[]> => ((await control(acu.urls.base, 'GET', '/state')).tenants[0].records.Bill as Json[]).map(plain);
  const billBills = async (): Promise<Json[]> => (await control(bill.urls.base, 'GET', '/state')).organizations.find((o: Json) => o.id === bill.sandbox.organizationId).bills;
  const numbered = async (invoiceNumber: string) => (await billBills()).filter((x: Json) => (x.invoice?.invoiceNumber ?? x.invoiceNumber) === invoiceNumber);
  const rows = async (id: string): Promise<Json[]> => (await b.db.query("select * from webhook_events where system = 'acumatica' and payload->>'id' = $1 order by id", [id])).rows;
  const counts = async () => ({
    events: (await b.db.query<{ n: number }>('select count(*)::int as n from webhook_events')).rows[0]!.n,
    jobs: (await b.db.query<{ n: number }>("select count(*)::int as n from pgboss.job where name = 'link-work'")).rows[0]!.n,
  });
  const settle = async () => {
    await acu.ctx.webhooks.idle();
    await waitFor('the queue to drain', async () => ((await b.db.query<{ n: number }>("select count(*)::int as n from pgboss.job where name = 'link-work' and state in ('created', 'active', 'retry')")).rows[0]!.n === 0 ? true : undefined));
  };
  const pick = async (status: string, skip = 0): Promise<Json> => (await acuBills()).filter((x) => x.Type === 'Bill' && x.Status === status)[skip]!;
  const invoiceNumberOf = (x: Json): string => x.VendorRef ?? x.ReferenceNbr;
  const post = (body: string, header?: string) =>
    fetch(`${services.publicUrl}/webhooks/acumatica`, { method: 'POST', headers: { 'content-type': 'application/json', ...(header !== undefined ? { 'x-mlc-push-token': header } : {}) }, body });

  test('a bill released in Acumatica reaches BILL by its push notification alone, and ping shows the set-up', async () => {
    const found = await acumaticaSystem.ping(rt, 'acumatica');
    const push = found.pushNotifications as Json;
    assert.equal(push.headerName, 'x-mlc-push-token');
    assert.match(push.address, /\/webhooks\/acumatica$/);
    assert.equal(typeof push.headerValue, 'string');
    assert.ok(push.headerValue.length >= 40, 'a long random value');

    const balanced = await pick('Balanced');
    await control(acu.urls.base, 'POST', '/documents/ReleaseBill', { type: 'Bill', referenceNbr: balanced.ReferenceNbr });
    const [sent] = await waitFor('the bill in BILL', async () => {
      const got = await numbered(invoiceNumberOf(balanced));
      return got.length > 0 ? got : undefined;
    });
    assert.equal(String(sent.amount), String(Number(balanced.Amount)));
    const recorded = await rows(`Bill|${balanced.ReferenceNbr}`);
    assert.equal(recorded.length, 1);
    assert.ok(recorded[0].job_id, 'recorded with its job');
    assert.equal(recorded[0].payload.query, 'AP-Bills');
    assert.equal(JSON.stringify(recorded[0].payload).includes(push.headerValue), false, 'the secret is not kept with the event');
    assert.equal((await b.db.query("select count(*)::int as n from runs where kind = 'sync'")).rows[0]!.n, 0, 'no sync ran: the push alone');
  });

  test('a forged or missing header is 401 and nothing is recorded', async () => {
    await settle();
    const before = await counts();
    const body = JSON.stringify({ Inserted: [{ Type: 'Bill', ReferenceNbr: 'NONE01' }], Deleted: [], Query: 'AP-Bills', CompanyId: 'Company', Id: randomBytes(8).toString('hex'), TimeStamp: 1, AdditionalInfo: {} });
    const forged = await post(body, randomBytes(32).toString('base64url'));
    assert.equal(forged.status, 401);
    assert.equal(await forged.text(), '');
    assert.equal((await post(body)).status, 401);
    assert.equal((await post(body, '')).status, 401);
    assert.deepEqual(await counts(), before);
    // The same body with the connection's value is taken: the refusals were the header's.
    const { headerValue } = (await acumaticaSystem.ping(rt, 'acumatica')).pushNotifications as Json;
    assert.equal((await post(body, headerValue)).status, 200);
    assert.equal((await counts()).events, before.events + 1);
  });

  test('every notification delivered twice: one event per notification, one BILL bill', async () => {
    await settle();
    await control(acu.urls.base, 'POST', '/faults', { webhookDuplicateRate: 1 });
    const balanced = await pick('Balanced');
    await control(acu.urls.base, 'POST', '/documents/ReleaseBill', { type: 'Bill', referenceNbr: balanced.ReferenceNbr });
    await waitFor('the bill in BILL', async () => ((await numbered(invoiceNumberOf(balanced))).length > 0 ? true : undefined));
    await settle();
    await control(acu.urls.base, 'POST', '/faults', {});
    const events = await rows(`Bill|${balanced.ReferenceNbr}`);
    assert.equal(events.length, 1, 'one event');
    const deliveries = acu.ctx.webhooks.log.filter((d) => d.id === events[0].payload.notificationId && d.outcome === 'delivered');
    assert.equal(deliveries.length, 2, 'the notification went out twice and was answered 200 both times');
    assert.equal((await numbered(invoiceNumberOf(balanced))).length, 1, 'one BILL bill');
  });

  test('out-of-order deliveries still end with the latest state: a bill taken off hold and released, a vendor renamed twice', async () => {
    await settle();
    const held = await pick('On Hold');
    const vendorId = (await pick('Open')).Vendor;
    const names = ['Renamed Supplies Ltd', 'Renamed Again Supplies Ltd'];
    // The first notification of each pair is held back (the seeded draws give about 1.6 s), the
    // second sent at once: the later change arrives first.
    await control(acu.urls.base, 'POST', '/faults', { webhookReorderRate: 1 });
    await control(acu.urls.base, 'POST', '/documents/RemoveHold', { type: 'Bill', referenceNbr: held.ReferenceNbr });
    await control(acu.urls.base, 'POST', '/vendors', { record: { VendorID: { value: vendorId }, VendorName: { value: names[0] } } });
    await control(acu.urls.base, 'POST', '/faults', {});
    await control(acu.urls.base, 'POST', '/documents/ReleaseBill', { type: 'Bill', referenceNbr: held.ReferenceNbr });
    await control(acu.urls.base, 'POST', '/vendors', { record: { VendorID: { value: vendorId }, VendorName: { value: names[1] } } });
    await settle();

    const stamps = async (id: string) => (await rows(id)).map((e) => BigInt(e.payload.timeStamp));
    for (const id of [`Bill|${held.ReferenceNbr}`, vendorId]) {
      const [arrivedFirst, arrivedLast] = await stamps(id);
      assert.ok(arrivedFirst! > arrivedLast!, `${id}: the later change was recorded first (one event each, keys of their own)`);
    }
    const sent = await numbered(invoiceNumberOf(held));
    assert.equal(sent.length, 1, 'the released bill reached BILL once, whatever the order');
    assert.equal(String(sent[0].amount), String(Number(held.Amount)));
    const inBill = (await control(bill.urls.base, 'GET', '/state')).organizations.find((o: Json) => o.id === bill.sandbox.organizationId).vendors.map((v: Json) => v.name);
    assert.ok(inBill.includes(names[1]), `the last name in BILL (${inBill.join(', ')})`);
    assert.equal(inBill.includes(names[0]), false, 'not the earlier one');
  });
});

test('rows of an inquiry named otherwise are told apart by their columns; payments are not bills', () => {
  const n = (query: string, rowsIn: Json[]) => pushedRecords({ Inserted: rowsIn, Deleted: [], Query: query, Id: 'x' });
  assert.deepEqual(n('AP-Bills', [{ Type: 'Bill', ReferenceNbr: '000007' }]), [{ entity: 'bill', id: 'Bill|000007' }]);
  assert.deepEqual(n('My open AP docs', [{ Type: { value: 'Debit Adj.' }, ReferenceNbr: { value: '000008' } }, { Type: 'Payment', ReferenceNbr: '000003' }]),
    [{ entity: 'bill', id: 'Debit Adj.|000008' }, { entity: 'payment', id: 'Payment|000003' }]);
  assert.deepEqual(n('Suppliers', [{ VendorID: 'V0001', VendorName: 'x' }, { VendorName: 'no key' }]), [{ entity: 'vendor', id: 'V0001' }]);
  // An update names the record in Inserted and Deleted: once.
  assert.deepEqual(pushedRecords({ Inserted: [{ VendorID: 'V1' }], Deleted: [{ VendorID: 'V1' }], Query: 'AP-Vendors', Id: 'y' }), [{ entity: 'vendor', id: 'V1' }]);
});
