/**
 * BILL → QuickBooks Online updates under QBO's optimistic locking, on both back-ends, over real
 * HTTP: a BILL vendor and a BILL bill change while a bookkeeper edits the QBO vendor and purchase
 * order between the connector's read and its write (the read's answer is held by the emulator's
 * fault script while the edit lands, so the write carries a stale SyncToken and QBO answers 5010).
 * Once, the update is applied again on a fresh read and lands once, the bookkeeper's edit kept;
 * every time, the record is left for a person as a conflict, the QBO record as the bookkeeper left
 * it, and a replay then lands the change once. Judged by the QBO emulator's state and call counts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { replay } from '../../src/engine/replay.ts';
import { syncLink, type RunResult } from '../../src/engine/sync.ts';
import { listRecords } from '../../src/store/repos/records.ts';
import type { BillCredentials } from '../../src/systems/bill/auth.ts';
import { createBillClient } from '../../src/systems/bill/client.ts';
import type { BillOrgClient } from '../../src/systems/bill/org-client.ts';
import { MemoryCredentialStore } from '../../src/systems/memory-credential-store.ts';
import { forEachBackend } from '../helpers/db.ts';
import { control } from '../helpers/emulator-control.ts';
import { cents, openBillQboWorld, type BillQboWorld, type Json } from './bill-qbo-fixture.ts';

/** Long enough for the test to see the held read and edit the record in QBO before its answer leaves. */
const holdMs = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

forEachBackend('BILL → QuickBooks Online updates racing a bookkeeper in QBO (SyncToken, 5010)', (backend) => {
  let w: BillQboWorld;
  let billApi: BillOrgClient;
  const realmPath = () => `/v3/company/${w.qbo.sandbox.realmId}`;
  const qboRecord = (entity: string, id: string) => w.qboTable(entity).find((r) => r.Id === id)!;
  const userEdit = (entity: string, record: Json) => control(w.qbo.urls.base, 'POST', '/user-edit', { entity, operation: 'update', record });
  const posts = async (entity: string): Promise<number> => ((await control(w.qbo.urls.base, 'GET', '/stats')).callsByEndpoint[`POST /v3/company/:realmId/${entity}`] ?? 0) as number;

  /**
   * Runs `run` with the emulator's reads of one QBO record scripted (`script`: 'none' passes one
   * read through, 'hold' holds its answer), and makes each of `edits` in QBO while the matching
   * held answer waits, so the SyncToken the connector read is stale when it writes.
   */
  async function raced(path: string, script: ('none' | 'hold')[], edits: (() => Promise<unknown>)[], run: () => Promise<RunResult>): Promise<RunResult> {
    await control(w.qbo.urls.base, 'POST', '/faults', { pathPattern: `^${path}$`, methods: ['GET'], script: script.map((fault) => (fault === 'hold' ? { fault, holdMs } : { fault })) });
    const running = run();
    try {
      const holds = script.flatMap((s, i) => (s === 'hold' ? [i] : []));
      assert.equal(holds.length, edits.length, 'one edit per held read');
      for (const [n, at] of holds.entries()) {
        const deadline = Date.now() + 20_000;
        // The step is spent when the read arrives; its answer is computed at once and held after.
        while ((await control(w.qbo.urls.base, 'GET', '/faults')).faults.script.length > script.length - at - 1) {
          if (Date.now() > deadline) assert.fail(`read ${at + 1} of ${path} never came`);
          await sleep(20);
        }
        await sleep(200);
        await edits[n]!();
      }
      return await running;
    } finally {
      await running.catch(() => undefined);
      await control(w.qbo.urls.base, 'POST', '/faults', {});
    }
  }

  before(async () => {
    w = await openBillQboWorld(backend, { seed: 53, vendors: 5, bills: 14 });
    billApi = createBillClient({
      credentials: new MemoryCredentialStore<BillCredentials>({ ...w.bill.sandbox }),
      urls: { api: w.bill.urls.api, events: w.bill.urls.events },
    }).forOrg(w.bill.sandbox.organizationId);
    const first = await syncLink(w.deps, w.link);
    assert.equal(first.error, null, JSON.stringify(first.error));
  });
  after(async () => {
    await w?.stop();
  });

  const linkedVendors = async () => (await listRecords(backend.db, { link: 'books', entity: 'vendor', status: ['synced'] })).filter((r) => r.target_id);
  /** An open PO whose BILL bill is unpaid: a line of it can change in BILL. */
  const openPurchase = (skip: readonly string[]) => {
    const po = w.ourPos().find((p) => p.POStatus === 'Open' && !skip.includes(p.Id))!;
    const bill = (w.org().bills as Json[]).find((b) => b.invoice.invoiceNumber === po.DocNumber)!;
    assert.equal(cents(bill.paidAmount), 0n, `BILL bill ${bill.id} is unpaid`);
    return { po, bill };
  };

  test('a vendor and a PO edited in QBO between the read and the write: the 5010 re-reads, the BILL change lands once, the edit in QBO is kept', async () => {
    const [vendorRow] = await linkedVendors();
    const vendorId = vendorRow!.target_id!;
    const email = 'remit@updated-in-bill.example';
    await billApi.updateVendor(vendorRow!.source_id, { email });
    const vendorBefore = qboRecord('Vendor', vendorId);
    const vendorPosts = await posts('vendor');
    const run = await raced(`${realmPath()}/vendor/${vendorId}`, ['hold'], [() => userEdit('Vendor', { Id: vendorId, Notes: 'Terms agreed by phone' })],
      () => syncLink(w.deps, w.link, { steps: { only: ['vendor'] } }));
    assert.equal(run.error, null, JSON.stringify(run.error));
    const vendor = qboRecord('Vendor', vendorId);
    assert.equal(vendor.PrimaryEmailAddr?.Address, email, "BILL's change is applied on the fresh read");
    assert.equal(vendor.Notes, 'Terms agreed by phone', "the bookkeeper's edit is kept (a sparse update)");
    assert.equal(Number(vendor.SyncToken), Number(vendorBefore.SyncToken) + 2, 'two changes: the edit in QBO and the connector\'s update, once');
    assert.equal(await posts('vendor') - vendorPosts, 2, 'one write refused as stale, one applied');
    const [record] = (await listRecords(backend.db, { link: 'books', entity: 'vendor' })).filter((r) => r.source_id === vendorRow!.source_id);
    assert.equal(record!.status, 'synced', JSON.stringify(record));

    const { po, bill } = openPurchase([]);
    const line = bill.billLineItems[0] as Json;
    const changed = cents(line.amount) + 1234n;
    const amount = `${changed / 100n}.${String(changed % 100n).padStart(2, '0')}`;
    await billApi.patchBill(bill.id, { billLineItems: [{ id: line.id, amount }] });
    const poBefore = qboRecord('PurchaseOrder', po.Id);
    const poPosts = await posts('purchaseorder');
    // The bill step reads the PO's state to plan the update, then the write reads it for its SyncToken: that read is held.
    const billRun = await raced(`${realmPath()}/purchaseorder/${po.Id}`, ['none', 'hold'], [() => userEdit('PurchaseOrder', { Id: po.Id, Memo: 'Approved by the controller' })],
      () => syncLink(w.deps, w.link, { steps: { only: ['bill'] } }));
    assert.equal(billRun.error, null, JSON.stringify(billRun.error));
    const after = qboRecord('PurchaseOrder', po.Id);
    assert.equal(cents(after.TotalAmt), cents(poBefore.TotalAmt) + 1234n, "BILL's new amount is on the PO");
    assert.equal(after.Memo, 'Approved by the controller', "the bookkeeper's edit is kept");
    assert.equal(Number(after.SyncToken), Number(poBefore.SyncToken) + 2);
    assert.equal(await posts('purchaseorder') - poPosts, 2, 'one write refused as stale, one applied');
    assert.equal(w.ourPos().filter((p) => p.DocNumber === po.DocNumber).length, 1, 'still one PO for the bill');
  });

  test('edited again before the retry: a conflict for a person, the QBO record as the bookkeeper left it; a replay then lands the change once', async () => {
    const [, vendorRow] = await linkedVendors();
    const vendorId = vendorRow!.target_id!;
    const email = 'ap@changed-twice.example';
    await billApi.updateVendor(vendorRow!.source_id, { email });
    const vendorBefore = qboRecord('Vendor', vendorId);
    const vendorPosts = await posts('vendor');
    const run = await raced(`${realmPath()}/vendor/${vendorId}`, ['hold', 'hold'], [
      () => userEdit('Vendor', { Id: vendorId, Notes: 'First edit' }),
      () => userEdit('Vendor', { Id: vendorId, Notes: 'Second edit' }),
    ], () => syncLink(w.deps, w.link, { steps: { only: ['vendor'] } }));
    assert.equal(run.error, null, JSON.stringify(run.error));
    const vendor = qboRecord('Vendor', vendorId);
    assert.equal(vendor.Notes, 'Second edit');
    assert.notEqual(vendor.PrimaryEmailAddr?.Address, email, 'the QBO vendor is not overwritten');
    assert.equal(Number(vendor.SyncToken), Number(vendorBefore.SyncToken) + 2, 'only the two edits in QBO');
    assert.equal(await posts('vendor') - vendorPosts, 2, 'two writes, both refused as stale');
    const record = (await listRecords(backend.db, { link: 'books', entity: 'vendor' })).find((r) => r.source_id === vendorRow!.source_id)!;
    // A writer's conflict is kept as a record needing a person (status failed, code MLC_ERR_CONFLICT), which the retry pass leaves alone.
    assert.deepEqual([record.status, record.error_code], ['failed', 'MLC_ERR_CONFLICT'], JSON.stringify(record));
    assert.equal(record.error_message, `Vendor ${vendorId} was changed in QuickBooks Online while the connector was updating it, twice in a row (Stale Object Error 5010); decide which version to keep, then replay it.`);

    const { po, bill } = openPurchase([]);
    const line = bill.billLineItems[0] as Json;
    const changed = cents(line.amount) + 500n;
    await billApi.patchBill(bill.id, { billLineItems: [{ id: line.id, amount: `${changed / 100n}.${String(changed % 100n).padStart(2, '0')}` }] });
    const poBefore = qboRecord('PurchaseOrder', po.Id);
    const billRun = await raced(`${realmPath()}/purchaseorder/${po.Id}`, ['none', 'hold', 'hold'], [
      () => userEdit('PurchaseOrder', { Id: po.Id, Memo: 'Held for review' }),
      () => userEdit('PurchaseOrder', { Id: po.Id, Memo: 'Held for review, again' }),
    ], () => syncLink(w.deps, w.link, { steps: { only: ['bill'] } }));
    assert.equal(billRun.error, null, JSON.stringify(billRun.error));
    const heldPo = qboRecord('PurchaseOrder', po.Id);
    assert.equal(cents(heldPo.TotalAmt), cents(poBefore.TotalAmt), "the PO keeps its total: BILL's change is not forced over the edits");
    assert.equal(heldPo.Memo, 'Held for review, again');
    const billRecord = (await listRecords(backend.db, { link: 'books', entity: 'bill' })).find((r) => r.source_id === bill.id)!;
    assert.deepEqual([billRecord.status, billRecord.error_code], ['failed', 'MLC_ERR_CONFLICT'], JSON.stringify(billRecord));
    assert.match(String(billRecord.error_message), new RegExp(`^PurchaseOrder ${po.Id} was changed in QuickBooks Online while the connector was updating it, twice in a row`));

    // A person decides BILL's version is right and replays both: each lands once over the edits.
    for (const id of [vendorRow!.source_id, bill.id]) {
      const replayed = await replay(w.deps, w.link, { id });
      assert.equal(replayed.error, null, JSON.stringify(replayed.error));
    }
    const settledVendor = qboRecord('Vendor', vendorId);
    assert.deepEqual([settledVendor.PrimaryEmailAddr?.Address, settledVendor.Notes, Number(settledVendor.SyncToken)], [email, 'Second edit', Number(vendor.SyncToken) + 1]);
    const settledPo = qboRecord('PurchaseOrder', po.Id);
    assert.deepEqual([cents(settledPo.TotalAmt), settledPo.Memo, Number(settledPo.SyncToken)], [cents(poBefore.TotalAmt) + 500n, 'Held for review, again', Number(heldPo.SyncToken) + 1]);
    const records = await listRecords(backend.db, { link: 'books' });
    for (const id of [vendorRow!.source_id, bill.id]) assert.equal(records.find((r) => r.source_id === id)?.status, 'synced');
  });
});
