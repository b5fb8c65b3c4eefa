/**
 * BILL → QuickBooks Online: the server's poll validates what changed in QBO with no webhook to say
 * so, on both back-ends over real HTTP. The poll job the link's schedule sends runs through the
 * worker's handler; QBO's webhooks are off. A PO deleted, closed or re-totalled in QBO and a vendor
 * renamed there become conflicts by the store, QBO's own records are ignored, nothing is re-created
 * or overwritten; a poll with nothing new raises nothing; a failed read leaves the cursor where it
 * was; a cursor older than CDC's 30 days lists
 * by query (what was sent is watched as it leaves, and counted by the emulator) and still finds
 * deletions through CDC's recent window. A link posting QBO Bills has its Bills validated the same way.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { silentLogger } from '../../src/core/log.ts';
import type { EngineDeps } from '../../src/engine/sync.ts';
import { validationStream } from '../../src/engine/validate-changes.ts';
import type { Link } from '../../src/model/link.ts';
import { PollScheduler } from '../../src/server/scheduler/index.ts';
import { handleLinkWork, type LinkWorkOutput } from '../../src/server/worker/handler.ts';
import { getCursor, setCursor } from '../../src/store/repos/cursors.ts';
import { listRecords, type RecordRow } from '../../src/store/repos/records.ts';
import { forEachBackend } from '../helpers/db.ts';
import { cents, openBillQboWorld, type BillQboWorld, type Json } from './bill-qbo-fixture.ts';

const day = 86_400_000;

forEachBackend('BILL → QuickBooks Online: the poll validates QBO changes webhooks missed', (backend) => {
  let w: BillQboWorld;
  let deps: EngineDeps;
  let link: Link;
  const stream = validationStream('qbo');

  /** The job the link's poll schedule sends when it comes due, run as a worker runs it. */
  const poll = async (): Promise<LinkWorkOutput> => {
    const [schedule] = await new PollScheduler(backend.db, undefined as never, silentLogger).desired(link);
    assert.deepEqual(schedule!.data, { kind: 'sync', link: 'books', reason: 'poll', skipScheduled: true });
    return (await handleLinkWork(deps, backend.db, schedule!.data, { id: 'poll', retryCount: 0 })) as LinkWorkOutput;
  };
  const userEdit = async (body: Json): Promise<Json> => {
    const r = await fetch(`${w.qbo.urls.base}/_emulator/user-edit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await r.text();
    assert.ok(r.ok, text);
    return JSON.parse(text) as Json;
  };
  const calls = async (): Promise<Record<string, number>> => ((await (await fetch(`${w.qbo.urls.base}/_emulator/stats`)).json()) as Json).callsByEndpoint;
  const delta = (after: Record<string, number>, before: Record<string, number>, endpoint: string) => (after[endpoint] ?? 0) - (before[endpoint] ?? 0);
  const cdcPath = 'GET /v3/company/:realmId/cdc';
  /** What QBO holds of vendors and purchase orders, versions included. */
  const books = () => JSON.stringify([w.qboTable('Vendor'), w.qboTable('PurchaseOrder'), w.qboTable('Bill')]);
  const conflicts = async (): Promise<RecordRow[]> => (await listRecords(backend.db, { link: 'books', status: ['conflict'] })).sort((a, b) => a.source_id.localeCompare(b.source_id));
  const conflictOn = (rows: readonly RecordRow[], entity: string, targetId: string) => rows.find((r) => r.entity === entity && r.target_id === targetId);
  /** The path and query of every request sent to QBO's API while `run` runs (as it leaves the process). */
  const sentDuring = async <T>(run: () => Promise<T>): Promise<{ result: T; sent: string[] }> => {
    const sent: string[] = [];
    const api = new URL(w.qbo.urls.api).origin;
    const listener = (message: unknown) => {
      const request = (message as { request: { origin: string; path: string } }).request;
      if (request.origin === api && request.path.includes('/v3/company/')) sent.push(decodeURIComponent(request.path.replace(/\+/g, ' ')));
    };
    subscribe('undici:request:create', listener);
    try {
      return { result: await run(), sent };
    } finally {
      unsubscribe('undici:request:create', listener);
    }
  };
  let open: Json[] = [];

  before(async () => {
    w = await openBillQboWorld(backend, { seed: 33, vendors: 6, bills: 24 });
    ({ deps, link } = w);
    const off = await fetch(`${w.qbo.urls.base}/_emulator/webhooks`, { method: 'DELETE' });
    assert.ok(off.ok, 'QBO webhooks are off');
  });
  after(async () => {
    await w?.stop();
  });

  test('the first poll syncs the link and starts validating from there, reading nothing of what it wrote', async () => {
    const before = await calls();
    const first = await poll();
    assert.equal(first.status, 'partial', 'the bills on the unmapped account fail');
    assert.ok((first.counts['bill.create'] ?? 0) >= 5, JSON.stringify(first.counts));
    assert.equal(delta(await calls(), before, cdcPath), 0, 'a link that had linked nothing has nothing to validate yet');
    assert.equal(Object.keys(first.counts).filter((k) => k.startsWith('validate.')).length, 0, JSON.stringify(first.counts));
    const cursor = JSON.parse((await getCursor(backend.db, 'books', stream))!) as Json;
    assert.ok(Date.now() - Date.parse(cursor.at) < 60_000, `the cursor is the end of this poll: ${cursor.at}`);
    open = w.ourPos().filter((po) => po.POStatus === 'Open' && cents(po.TotalAmt) > 100n);
    assert.ok(open.length >= 6, `open purchase orders to change in QBO (${open.length})`);
    assert.deepEqual(await conflicts(), []);
  });

  test('a PO deleted, closed or re-totalled and a vendor renamed in QBO are conflicts after the next poll; QBO is not written', async () => {
    const [gone, closed, edited, renamedOn] = open;
    const billNames = new Set((w.org().vendors as Json[]).map((v) => v.name));
    const ownVendor = w.qboTable('Vendor').find((v) => !billNames.has(v.DisplayName));
    assert.ok(ownVendor, 'the QBO company has vendors of its own');
    await userEdit({ entity: 'PurchaseOrder', operation: 'delete', record: { Id: gone!.Id, SyncToken: gone!.SyncToken } });
    await userEdit({ entity: 'PurchaseOrder', operation: 'update', record: { Id: closed!.Id, POStatus: 'Closed' } });
    await userEdit({ entity: 'PurchaseOrder', operation: 'update', record: { Id: edited!.Id, Line: [{ ...edited!.Line[0], Amount: '1.23' }] } });
    const vendor = w.qboTable('Vendor').find((v) => v.Id === renamedOn!.VendorRef.value)!;
    await userEdit({ entity: 'Vendor', operation: 'update', record: { Id: vendor.Id, DisplayName: `${vendor.DisplayName} (renamed)` } });
    // QBO's own records, which no BILL record is linked to, are QBO's business.
    await userEdit({ entity: 'Vendor', operation: 'create', record: { DisplayName: 'Entered in QBO only' } });
    await userEdit({ entity: 'Vendor', operation: 'update', record: { Id: ownVendor.Id, CompanyName: 'Renamed in QBO' } });
    const held = books();
    const before = await calls();

    const run = await poll();
    const stats = await calls();
    assert.equal(delta(stats, before, cdcPath), 1, 'one CDC call for vendors and purchase orders together');
    assert.equal(run.counts['validate.read.cdc'], 1, JSON.stringify(run.counts));
    assert.equal(run.counts['bill.validate'], 3, `the three changed purchase orders the id map links: ${JSON.stringify(run.counts)}`);
    assert.equal(run.counts['vendor.validate'], 1, JSON.stringify(run.counts));
    for (const [endpoint, n] of Object.entries(stats)) if (endpoint.startsWith('POST')) assert.equal(n - (before[endpoint] ?? 0), 0, `nothing is written to QBO (${endpoint})`);
    assert.equal(books(), held, 'QBO holds exactly what the person left: nothing re-created, re-opened or overwritten');

    const found = await conflicts();
    const texts = JSON.stringify(found.map((c) => [c.entity, c.target_id, c.error_message]));
    assert.equal(found.length, 4, texts);
    assert.match(conflictOn(found, 'bill', gone!.Id)?.error_message ?? '', /deleted in QuickBooks Online/, texts);
    assert.match(conflictOn(found, 'bill', closed!.Id)?.error_message ?? '', /closed in QuickBooks Online/, texts);
    assert.match(conflictOn(found, 'bill', edited!.Id)?.error_message ?? '', /1\.23/, texts);
    assert.match(conflictOn(found, 'vendor', vendor.Id)?.error_message ?? '', /renamed in QuickBooks Online to '.*\(renamed\)'/, texts);
    assert.equal(cents(w.qboTable('PurchaseOrder').find((p) => p.Id === edited!.Id)!.TotalAmt), 123n, 'the edit made in QBO is kept');
  });

  test('a poll with nothing changed since raises nothing new: changes read again inside the overlap are not validated twice', async () => {
    const held = await conflicts();
    const run = await poll();
    assert.equal(run.counts['validate.read.cdc'], 1, JSON.stringify(run.counts));
    assert.equal(run.counts['validate.changed'] ?? 0, 0, JSON.stringify(run.counts));
    assert.equal((run.counts['bill.conflict'] ?? 0) + (run.counts['vendor.conflict'] ?? 0), 0, JSON.stringify(run.counts));
    const now = await conflicts();
    assert.deepEqual(now.map((c) => [c.entity, c.target_id, c.error_message]), held.map((c) => [c.entity, c.target_id, c.error_message]));
  });

  test('a poll whose read of QBO fails leaves the cursor where it was; the next one validates the change', async () => {
    const [, , , onRenamedVendor] = open;
    await userEdit({ entity: 'PurchaseOrder', operation: 'update', record: { Id: onRenamedVendor!.Id, Line: [{ ...onRenamedVendor!.Line[0], Amount: '3.45' }] } });
    const cursorBefore = await getCursor(backend.db, 'books', stream);
    const faults = async (body: Json) => assert.ok((await fetch(`${w.qbo.urls.base}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).ok);
    await faults({ serverErrorRate: 1, pathPattern: '/cdc' });
    try {
      await assert.rejects(poll(), /MLC_ERR_/);
    } finally {
      await faults({});
    }
    assert.equal(await getCursor(backend.db, 'books', stream), cursorBefore, 'the cursor has not moved');
    assert.equal(conflictOn(await conflicts(), 'bill', onRenamedVendor!.Id), undefined);
    const run = await poll();
    assert.equal(run.counts['bill.validate'], 1, JSON.stringify(run.counts));
    assert.match(conflictOn(await conflicts(), 'bill', onRenamedVendor!.Id)?.error_message ?? '', /3\.45/);
    assert.notEqual(await getCursor(backend.db, 'books', stream), cursorBefore);
  });

  test('a cursor older than CDC\'s 30 days lists vendors and purchase orders by query, and CDC\'s recent window still shows deletions', async () => {
    const [, , , , retotalled, deleted] = open;
    await userEdit({ entity: 'PurchaseOrder', operation: 'update', record: { Id: retotalled!.Id, Line: [{ ...retotalled!.Line[0], Amount: '2.34' }] } });
    await userEdit({ entity: 'PurchaseOrder', operation: 'delete', record: { Id: deleted!.Id, SyncToken: w.qboTable('PurchaseOrder').find((p) => p.Id === deleted!.Id)!.SyncToken } });
    const old = new Date(Date.now() - 40 * day).toISOString();
    await setCursor(backend.db, 'books', stream, JSON.stringify({ at: old, seen: {} }));
    const held = books();
    const before = await calls();

    const { result: run, sent } = await sentDuring(poll);
    assert.equal(run.counts['validate.read.query'], 1, JSON.stringify(run.counts));
    const listings = sent.filter((s) => /MetaData\.LastUpdatedTime >/.test(s));
    for (const entity of ['Vendor', 'PurchaseOrder']) {
      assert.ok(listings.some((s) => new RegExp(`SELECT \\* FROM ${entity} WHERE MetaData\\.LastUpdatedTime > '${old.slice(0, 10)}`).test(s) && /STARTPOSITION 1 MAXRESULTS 1000/.test(s)), `${entity} listed since the old cursor: ${JSON.stringify(listings)}`);
    }
    const cdcSent = sent.filter((s) => s.includes('/cdc?'));
    assert.ok(cdcSent.length >= 1 && delta(await calls(), before, cdcPath) === cdcSent.length, `deletions asked of CDC: ${JSON.stringify(cdcSent)}`);
    for (const s of cdcSent) {
      const since = Date.parse(new URL(`http://x${s}`).searchParams.get('changedSince') ?? '');
      assert.ok(Date.now() - since <= 30 * day, `CDC is never asked past its 30 days: ${s}`);
    }
    assert.ok((run.counts['bill.validate'] ?? 0) >= 5, `every linked purchase order changed in 40 days: ${JSON.stringify(run.counts)}`);
    assert.equal(books(), held, 'QBO is not written');

    const found = await conflicts();
    const texts = JSON.stringify(found.map((c) => [c.entity, c.target_id, c.error_message]));
    assert.equal(found.length, 7, texts);
    assert.match(conflictOn(found, 'bill', retotalled!.Id)?.error_message ?? '', /2\.34/, texts);
    assert.match(conflictOn(found, 'bill', deleted!.Id)?.error_message ?? '', /deleted in QuickBooks Online/, texts);
    const cursor = JSON.parse((await getCursor(backend.db, 'books', stream))!) as Json;
    assert.ok(Date.now() - Date.parse(cursor.at) < 60_000, `the cursor moved to this poll once its validations were committed: ${cursor.at}`);
  });

  test('a link with linked records and no validation cursor (one synced before the poll validated) lists everything once', async () => {
    const held = (await conflicts()).map((c) => [c.entity, c.target_id, c.error_message]);
    await setCursor(backend.db, 'books', stream, null);
    const { result: run, sent } = await sentDuring(poll);
    assert.equal(run.counts['validate.read.query'], 1, JSON.stringify(run.counts));
    assert.ok(sent.some((s) => /SELECT \* FROM PurchaseOrder ORDERBY MetaData\.LastUpdatedTime STARTPOSITION 1/.test(s)), JSON.stringify(sent));
    assert.ok((run.counts['bill.validate'] ?? 0) >= open.length - 2, `every linked purchase order QBO still holds: ${JSON.stringify(run.counts)}`);
    assert.deepEqual((await conflicts()).map((c) => [c.entity, c.target_id, c.error_message]), held, 'the same conflicts, none new');
    assert.ok(await getCursor(backend.db, 'books', stream));
  });
});

forEachBackend('BILL → QuickBooks Online with bills posted as QBO Bills: the poll validates the Bills', (backend) => {
  let w: BillQboWorld;
  before(async () => {
    w = await openBillQboWorld(backend, { seed: 43, vendors: 3, bills: 10, settings: { billsAs: 'bill' } });
  });
  after(async () => {
    await w?.stop();
  });

  test('a Bill deleted or re-totalled in QBO is a conflict after the poll, read by CDC as Bills', async () => {
    const run = async () => {
      const [schedule] = await new PollScheduler(backend.db, undefined as never, silentLogger).desired(w.link);
      return (await handleLinkWork(w.deps, backend.db, schedule!.data, { id: 'poll', retryCount: 0 })) as LinkWorkOutput;
    };
    const edit = async (body: Json) => {
      const r = await fetch(`${w.qbo.urls.base}/_emulator/user-edit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.ok(r.ok, await r.text());
    };
    await run();
    const ours = new Set(w.qboTable('Vendor').filter((v) => (w.org().vendors as Json[]).some((b) => b.name === v.DisplayName)).map((v) => v.Id));
    // A person's edit is refused when the Bill's number is another vendor's too (QBO's duplicate-number warning, 6140).
    const numbered = (n: string) => w.qboTable('Bill').filter((b) => b.DocNumber === n).length;
    const unpaid = w.qboTable('Bill').filter((b) => ours.has(b.VendorRef.value) && cents(b.Balance) === cents(b.TotalAmt) && numbered(b.DocNumber) === 1);
    assert.ok(unpaid.length >= 2, `unpaid Bills to change (${unpaid.length})`);
    const [gone, edited] = unpaid;
    await edit({ entity: 'Bill', operation: 'delete', record: { Id: gone!.Id, SyncToken: gone!.SyncToken } });
    await edit({ entity: 'Bill', operation: 'update', record: { Id: edited!.Id, Line: [{ ...edited!.Line[0], Amount: '4.56' }] } });
    const before = w.qboTable('Bill').length;

    const sent: string[] = [];
    const listener = (message: unknown) => sent.push(decodeURIComponent((message as { request: { path: string } }).request.path));
    subscribe('undici:request:create', listener);
    const polled = await run().finally(() => unsubscribe('undici:request:create', listener));
    assert.equal(polled.counts['validate.read.cdc'], 1, JSON.stringify(polled.counts));
    assert.ok(sent.some((s) => s.includes('/cdc?') && s.includes('entities=Vendor,Bill')), JSON.stringify(sent.filter((s) => s.includes('/cdc'))));
    assert.equal(polled.counts['bill.validate'], 2, JSON.stringify(polled.counts));
    const found = await listRecords(backend.db, { link: 'books', status: ['conflict'] });
    const texts = JSON.stringify(found.map((c) => [c.entity, c.target_id, c.error_message]));
    assert.equal(found.length, 2, texts);
    assert.match(found.find((c) => c.target_id === gone!.Id)?.error_message ?? '', /deleted in QuickBooks Online/, texts);
    assert.match(found.find((c) => c.target_id === edited!.Id)?.error_message ?? '', /4\.56/, texts);
    assert.equal(w.qboTable('Bill').length, before, 'the deleted Bill is not re-created');
  });
});
