/**
 * Conflicts a person can act on, for a BILL → QuickBooks Online link behind the whole
 * `ml-connector serve` (startServer, role 'all') on both back-ends, over real HTTP: a bookkeeper
 * closes one purchase order, deletes another and renames a vendor in QBO; the QBO emulator signs
 * and delivers its webhooks to /webhooks/qbo/{realmId}, the worker runs the pair's validation, and
 * the link card, the link's conflicts list and GET /api/records?status=conflict name each record
 * as a bookkeeper knows it, say what changed and what to do. Re-opening the PO in QBO clears its
 * conflict (QBO's webhook checks it again); Replay keeps one while the sides still disagree and
 * clears it once they agree; Skip accepts one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMoney, parseMoney } from '../../src/core/money.ts';
import { syncLink } from '../../src/engine/sync.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { escapeHtml } from '../../src/server/dashboard/html.ts';
import { listRecords, type RecordRow } from '../../src/store/repos/records.ts';
import { listRuns } from '../../src/store/repos/runs.ts';
import { forEachBackend } from '../helpers/db.ts';
import { control } from '../helpers/emulator-control.ts';
import { openBillQboWorld, type BillQboWorld, type Json } from '../engine/bill-qbo-fixture.ts';

/** A schedule that cannot fire while a test runs, so only the test's own changes start work. */
const never = '0 3 29 2 *';
const general = 'Either undo the change in QuickBooks Online and press Replay, or make the record in BILL agree; to accept both as they are, press Skip.';

forEachBackend('BILL → QuickBooks Online conflicts on the dashboard and the API', (backend) => {
  let w: BillQboWorld;
  let server: RunningServer;
  const apiToken = 'conflicts-api-token-0123456789abcdef';
  const session = { cookie: '', csrf: '' };
  let closed: Json;
  let deleted: Json;
  let renamed: Json;
  const vendorIdOf = new Map<string, string>();

  const get = (path: string) => fetch(`${server.url}${path}`, { headers: { cookie: session.cookie }, redirect: 'manual' });
  const post = (path: string, form: Record<string, string>) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: session.csrf, ...form }).toString(), redirect: 'manual' });
  const api = async (path: string) => {
    const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${apiToken}` } });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Json;
  };
  const userEdit = (entity: string, operation: string, record: Json) => control(w.qbo.urls.base, 'POST', '/user-edit', { entity, operation, record });
  const conflicts = () => listRecords(backend.db, { link: 'books', status: ['conflict'] });
  /** Waits for the server's worker to bring the link's conflicts to `n`. */
  async function conflictsBecome(n: number): Promise<RecordRow[]> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows = await conflicts();
      if (rows.length === n) return rows;
      if (Date.now() > deadline) assert.fail(`expected ${n} conflicts, have ${JSON.stringify(rows.map((r) => [r.entity, r.status, r.error_message]))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** The BILL bill a PO came from and its vendor's BILL name. */
  const sourceOf = (po: Json) => {
    const bill = (w.org().bills as Json[]).find((b) => b.invoice.invoiceNumber === po.DocNumber)!;
    return { bill, vendor: (w.org().vendors as Json[]).find((v) => v.id === bill.vendorId)!.name as string };
  };
  const rowOf = (page: string, sourceId: string) => new RegExp(`<tr data-record="${sourceId}">([\\s\\S]*?)</tr>`).exec(page)?.[1] ?? '';

  before(async () => {
    w = await openBillQboWorld(backend, { seed: 47, vendors: 4, bills: 12, settings: { pollCron: never, paymentsCron: never } });
    const first = await syncLink(w.deps, w.link);
    assert.equal(first.error, null, JSON.stringify(first.error));
    server = await startServer(w.rt, { role: 'all', host: '127.0.0.1', port: 0, apiToken, stopTimeoutMs: 5000, pollingIntervalSeconds: 0.5 });
    await control(w.qbo.urls.base, 'POST', '/webhooks', { url: `${server.url}/webhooks/qbo/${w.qbo.sandbox.realmId}`, format: 'legacy' });
    const login = await fetch(`${server.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: apiToken, next: '/' }).toString(), redirect: 'manual' });
    assert.equal(login.status, 303);
    session.cookie = String(login.headers.get('set-cookie')).split(';')[0]!;
    session.csrf = /name="_csrf" value="([^"]+)"/.exec(await (await get('/')).text())?.[1] ?? '';
    assert.ok(session.csrf, 'the overview carries the session CSRF token');
    for (const r of await listRecords(backend.db, { link: 'books', entity: 'vendor' })) if (r.target_id) vendorIdOf.set(r.target_id, r.source_id);
  });
  after(async () => {
    await server?.stop();
    await w?.stop();
  });

  test('a PO closed, a PO deleted and a vendor renamed in QBO reach the link card, its conflicts list and the API, each named and with what to do', async () => {
    const open = w.ourPos().filter((po) => po.POStatus === 'Open');
    assert.ok(open.length >= 3, `open POs to change (${open.length})`);
    [closed, deleted] = [open[0]!, open[1]!];
    renamed = w.qboTable('Vendor').find((v) => v.Id === open[2]!.VendorRef.value)!;
    await userEdit('PurchaseOrder', 'update', { Id: closed.Id, POStatus: 'Closed' });
    await userEdit('PurchaseOrder', 'delete', { Id: deleted.Id, SyncToken: w.qboTable('PurchaseOrder').find((p) => p.Id === deleted.Id)!.SyncToken });
    await userEdit('Vendor', 'update', { Id: renamed.Id, DisplayName: `${renamed.DisplayName} Holdings` });
    await w.qbo.flushWebhooks();
    const rows = await conflictsBecome(3);

    const c = sourceOf(closed);
    const d = sourceOf(deleted);
    const closedText = `Bill ${closed.DocNumber} from ${c.vendor}: the purchase order was closed in QuickBooks Online (PO ${closed.DocNumber}, Id ${closed.Id}) while BILL still owes ${formatMoney(parseMoney(String(c.bill.dueAmount), 'USD'))} USD. To keep it owed, re-open the purchase order in QuickBooks Online; to accept the close, void the bill in BILL or press Skip.`;
    const deletedText = `Bill ${deleted.DocNumber} from ${d.vendor}: the purchase order was deleted in QuickBooks Online (Id ${deleted.Id}); the connector does not re-create it. If the bill does not belong in the books, void it in BILL or press Skip; if it does, enter it again in QuickBooks Online by hand, then press Skip.`;
    const billName = (w.org().vendors as Json[]).find((v) => v.id === vendorIdOf.get(renamed.Id))!.name as string;
    const renamedText = `Vendor ${billName}: the vendor was renamed in QuickBooks Online to '${renamed.DisplayName} Holdings' (Id ${renamed.Id}); BILL calls it '${billName}'. To keep BILL's name, rename it back in QuickBooks Online; to keep '${renamed.DisplayName} Holdings', rename the vendor in BILL to it or press Skip.`;
    const byId = new Map(rows.map((r) => [r.source_id, r]));
    assert.equal(byId.get(c.bill.id)?.error_message, closedText);
    assert.equal(byId.get(d.bill.id)?.error_message, deletedText);
    assert.equal(byId.get(vendorIdOf.get(renamed.Id)!)?.error_message, renamedText);

    // The link card counts the conflicts and leads to them.
    const overview = await (await get('/')).text();
    assert.match(overview, /books <span class="muted">BILL → QuickBooks Online<\/span>/, 'the card says which way the link writes');
    assert.match(overview, /<dt>Conflicts<\/dt><dd><a href="\/records\?link=books&amp;status=conflict">3<span class="visually-hidden"> conflicts on books<\/span><\/a>/);

    const res = await get('/records?link=books&status=conflict');
    assert.equal(res.status, 200);
    const list = await res.text();
    assert.match(list, /<h1>Conflicts on books<\/h1>/);
    assert.equal([...list.matchAll(/<tr data-record="/g)].length, 3, 'only the conflicts are listed');
    for (const [sourceId, text, target, label] of [
      [c.bill.id, closedText, closed.Id, `${closed.DocNumber} (`],
      [d.bill.id, deletedText, deleted.Id, `${deleted.DocNumber} (`],
      [vendorIdOf.get(renamed.Id)!, renamedText, renamed.Id, billName],
    ] as const) {
      const row = rowOf(list, sourceId);
      assert.ok(row.includes(`<p class="detail">${escapeHtml(text)}</p>`), `the row of ${sourceId} says what changed and what to do: ${row}`);
      assert.ok(row.includes(`<p class="fix">${escapeHtml(general)}</p>`), 'and the general choices');
      assert.ok(row.includes(`<span class="id" data-side="target">${target}</span>`), 'with the QBO Id');
      assert.ok(row.includes(`<span class="id" data-side="source">${sourceId}</span>`), 'and the BILL id');
      assert.match(row, new RegExp(`<a href="/record\\?link=books&amp;entity=(bill|vendor)&amp;id=${sourceId}">${escapeHtml(label).replace(/[()]/g, '\\$&')}`), 'named by its label, linking to the record');
      assert.match(row, /Replay<span class="visually-hidden">[\s\S]*Skip<span class="visually-hidden">/);
    }

    const page = await api('/api/records?link=books&status=conflict&limit=10');
    assert.deepEqual(page.items.map((i: Json) => [i.status, i.errorCode]).sort(), Array(3).fill(['conflict', 'MLC_ERR_CONFLICT']));
    assert.deepEqual(page.items.map((i: Json) => i.errorMessage).sort(), [closedText, deletedText, renamedText].sort());
    for (const i of page.items as Json[]) assert.ok(i.label && !i.label.includes('|'), `the API names ${i.sourceId} by its label, not its match key: ${i.label}`);
    const synced = await api('/api/records?link=books&status=synced&limit=500');
    assert.ok(!synced.items.some((i: Json) => byId.has(i.sourceId)), 'a conflict is not listed as synced');
  });

  test('re-opening the PO in QBO clears its conflict; Replay keeps the rename until the names agree; Skip accepts the deletion', async () => {
    await userEdit('PurchaseOrder', 'update', { Id: closed.Id, POStatus: 'Open' });
    await w.qbo.flushWebhooks();
    await conflictsBecome(2);
    assert.equal((await listRecords(backend.db, { link: 'books', entity: 'bill', status: ['synced'] })).filter((r) => r.source_id === sourceOf(closed).bill.id).length, 1);

    const vendorId = vendorIdOf.get(renamed.Id)!;
    const replay = async () => {
      const before = (await listRuns(backend.db, { link: 'books', limit: 50 })).filter((r) => r.kind === 'replay').length;
      const pressed = await post('/records/replay', { link: 'books', entity: 'vendor', id: vendorId, back: '/records?link=books&status=conflict' });
      assert.equal(pressed.status, 303);
      assert.match(String(pressed.headers.get('location')), /^\/records\?link=books&status=conflict&notice=replay-queued&job=/);
      const deadline = Date.now() + 30_000;
      while ((await listRuns(backend.db, { link: 'books', limit: 50 })).filter((r) => r.kind === 'replay' && r.finished_at).length <= before) {
        if (Date.now() > deadline) assert.fail('the replay did not finish');
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await replay();
    assert.ok((await conflicts()).some((r) => r.source_id === vendorId), 'Replay while the names still differ keeps the conflict');
    assert.match(w.qboTable('Vendor').find((v) => v.Id === renamed.Id)!.DisplayName, / Holdings$/, 'and QBO keeps the name a person gave');

    // Renamed back with QBO's webhooks off: only the Replay checks it again.
    await fetch(`${w.qbo.urls.base}/_emulator/webhooks`, { method: 'DELETE' });
    await userEdit('Vendor', 'update', { Id: renamed.Id, DisplayName: renamed.DisplayName });
    await replay();
    const left = await conflictsBecome(1);
    assert.equal(left[0]!.source_id, sourceOf(deleted).bill.id);

    const skipped = await post('/records/skip', { link: 'books', entity: 'bill', id: left[0]!.source_id, back: '/records?link=books&status=conflict' });
    assert.equal(skipped.headers.get('location'), '/records?link=books&status=conflict&notice=skipped');
    await conflictsBecome(0);
    const list = await (await get('/records?link=books&status=conflict')).text();
    assert.match(list, /No conflicts: nothing was changed behind the connector&#39;s back\./);
    assert.equal(w.qboTable('PurchaseOrder').filter((p) => p.Id === deleted.Id).length, 0, 'the deleted PO is not re-created');
  });
});
