/**
 * BILL → QuickBooks Online end to end over real HTTP, on both back-ends: QBO connected through
 * Intuit's code flow against the emulator, BILL through its login; BILL vendors linked (a name QBO
 * already holds) or created in QBO, BILL bills as PurchaseOrders on the mapped accounts and
 * classes, a line on an unmapped account failing its bill by name, an archived bill closing its
 * PO, BILL payments as BillPayments on the Bill a PO becomes, reconcile agreeing. Judged by the
 * emulators' own state.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineDeps } from '../../src/engine/sync.ts';
import { syncLink } from '../../src/engine/sync.ts';
import { reconcile } from '../../src/engine/reconcile.ts';
import type { Link } from '../../src/model/link.ts';
import { listRecords } from '../../src/store/repos/records.ts';
import { syncRecords } from '../../src/server/worker/records.ts';
import { suggestValueMaps } from '../../src/pairs/value-maps.ts';
import { forEachBackend } from '../helpers/db.ts';
import { silentLogger } from '../../src/core/log.ts';
import { PollScheduler } from '../../src/server/scheduler/index.ts';
import { cents, openBillQboWorld, type BillQboWorld, type Json } from './bill-qbo-fixture.ts';

forEachBackend('BILL → QuickBooks Online end to end', (backend) => {
  let w: BillQboWorld;
  let deps: EngineDeps;
  let link: Link;
  let qbo: BillQboWorld['qbo'];
  let unmappedAccount: Json;
  let twinVendorId = '';
  const org = () => w.org();
  const qboTable = (entity: string) => w.qboTable(entity);
  const ourPos = () => w.ourPos();
  const billPay = (billId: string, amount?: string) => w.billPay(billId, amount);
  const usesUnmapped = (b: Json) => w.usesUnmapped(b);

  before(async () => {
    w = await openBillQboWorld(backend, { seed: 21, vendors: 6, bills: 24 });
    ({ deps, link, qbo, unmappedAccount, twinVendorId } = w);
  });
  after(async () => {
    await w?.stop();
  });

  test('BILL vendors and bills reach QBO once: the twin vendor linked, bills as POs on mapped accounts, unmapped ones failed by name', async () => {
    const bills = org().bills as Json[];
    const expectedPos = bills.filter((b) => !b.archived && !usesUnmapped(b));
    assert.ok(expectedPos.length >= 5 && expectedPos.length < bills.length, `the seed has mapped and unmapped bills (${expectedPos.length} of ${bills.length})`);
    const accountsBefore = qboTable('Account').map((a) => [a.Id, a.Name, a.SyncToken]);
    const run = await syncLink(deps, link);
    assert.equal(run.error, null, JSON.stringify(run.error));
    const pos = ourPos();
    const failedNow = await listRecords(backend.db, { link: 'books', entity: 'bill', status: ['failed'] });
    assert.equal(pos.length, expectedPos.length, JSON.stringify([run.counts, failedNow.map((f) => f.error_message)]));
    const vendors = qboTable('Vendor');
    const twinName = org().vendors[0].name;
    assert.equal(vendors.filter((v) => v.DisplayName === twinName).length, 1, 'the vendor QBO had is linked, not created again');
    for (const v of org().vendors as Json[]) assert.equal(vendors.filter((q) => q.DisplayName === v.name).length, 1, `one QBO vendor for ${v.name}`);
    assert.ok(pos.some((p) => p.VendorRef.value === twinVendorId) || !bills.some((b) => b.vendorId === org().vendors[0].id && !usesUnmapped(b)), 'the twin vendor carries its bills');
    for (const po of pos) {
      const source = bills.find((b) => b.invoice.invoiceNumber === po.DocNumber)!;
      assert.ok(source, `PO ${po.DocNumber} comes from a BILL bill`);
      assert.equal(cents(po.TotalAmt), cents(source.amount), `PO ${po.DocNumber} has the bill's total`);
      // A bill BILL has already paid (the seed pays some) is recorded, its PO turned into a paid Bill.
      assert.equal(po.POStatus, cents(source.paidAmount) > 0n ? 'Closed' : 'Open', `PO ${po.DocNumber}`);
    }
    const failed = await listRecords(backend.db, { link: 'books', entity: 'bill', status: ['failed'] });
    assert.equal(failed.length, bills.filter(usesUnmapped).length);
    for (const f of failed) assert.match(String(f.error_message), new RegExp(`BILL account '[^']*Entertainment' \\(${unmappedAccount.id}\\).*mapping suggest --link books`));
    assert.deepEqual(qboTable('Account').map((a) => [a.Id, a.Name, a.SyncToken]), accountsBefore, 'the QBO chart is never written');

    // The account map's suggestions: Entertainment is unmapped and QBO has no account of its number or name.
    const maps = await suggestValueMaps(deps, link);
    const accountRows = maps.find((m) => m.setting === 'accountMap')!.rows;
    const entertainment = accountRows.find((r) => r.value === unmappedAccount.id)!;
    assert.deepEqual([entertainment.current, entertainment.suggestion], [null, null]);
    assert.ok(accountRows.filter((r) => r.current !== null).length >= 10, 'the pins show as the current entries');

    const again = await syncLink(deps, link);
    assert.equal(again.counts['bill.create'] ?? 0, 0, JSON.stringify(again.counts));
    assert.equal(again.counts['vendor.create'] ?? 0, 0, JSON.stringify(again.counts));
    assert.equal(ourPos().length, pos.length, 'a second run creates nothing');
  });

  test('BILL payments become BillPayments on the Bill each paid PO turns into, in part and in full, once; reconcile agrees', async () => {
    const bills = org().bills as Json[];
    const synced = ourPos().filter((po) => po.POStatus === 'Open').map((po) => bills.find((b) => b.invoice.invoiceNumber === po.DocNumber)!);
    const unpaid = synced.filter((b) => cents(b.dueAmount) === cents(b.amount));
    assert.ok(unpaid.length >= 2, `open unpaid bills to pay (${unpaid.length})`);
    const [full, part] = [unpaid[0]!, unpaid[1]!];
    const before = qboTable('BillPayment').length;
    await billPay(full.id);
    await billPay(part.id, '10.00');
    // The server's poll leaves payments to their own schedule (paymentsCron, daily by default)...
    const schedules = await new PollScheduler(w.backend.db, undefined as never, silentLogger).desired(link);
    assert.deepEqual(schedules.map((x) => [x.key, x.cron, x.data]), [
      ['books', '*/15 * * * *', { kind: 'sync', link: 'books', reason: 'poll', skipScheduled: true }],
      ['books/payment', '0 6 * * *', { kind: 'sync', link: 'books', reason: 'poll', steps: ['payment'] }],
    ]);
    const poll = await syncLink(deps, link, { steps: { skipScheduled: true } });
    assert.equal(poll.error, null, JSON.stringify(poll.error));
    assert.equal(qboTable('BillPayment').length, before, `the poll records no payment: ${JSON.stringify(poll.counts)}`);
    // ...which records them.
    const run = await syncLink(deps, link, { steps: { only: ['payment'] } });
    assert.equal(run.error, null, JSON.stringify(run.error));
    const paymentFailures = await listRecords(backend.db, { link: 'books', entity: 'payment', status: ['failed'] });
    assert.equal(qboTable('BillPayment').length, before + 2, JSON.stringify([run.counts, paymentFailures.map((f) => f.error_message)]));
    const qboBills = qboTable('Bill').filter((b) => (b.LinkedTxn ?? []).some((t: Json) => t.TxnType === 'PurchaseOrder'));
    for (const b of [full, part]) {
      const po = ourPos().find((p) => p.DocNumber === b.invoice.invoiceNumber)!;
      assert.equal(po.POStatus, 'Closed', `PO ${po.DocNumber} closes once it is a Bill`);
      assert.equal(qboBills.filter((x) => x.LinkedTxn.some((t: Json) => t.TxnId === po.Id)).length, 1, `one Bill for PO ${po.DocNumber}`);
    }
    const partBill = qboBills.find((x) => x.DocNumber === part.invoice.invoiceNumber)!;
    assert.equal(cents(partBill.Balance), cents(partBill.TotalAmt) - 1000n, 'the part payment lowers the Bill balance by 10.00');
    const fullBill = qboBills.find((x) => x.DocNumber === full.invoice.invoiceNumber)!;
    assert.equal(cents(fullBill.Balance), 0n, 'the full payment brings the balance to zero');
    // The seed's own BILL payments on synced bills were recorded by the first run, each once.
    const settledApplications = (org().payments as Json[]).flatMap((p) => p.billPayments as Json[]).filter((bp) => ourPos().some((po) => po.DocNumber === bills.find((b) => b.id === bp.billId)?.invoice.invoiceNumber));
    assert.equal(qboTable('BillPayment').length, settledApplications.length, 'one BillPayment per BILL payment application on a synced bill');

    const again = await syncLink(deps, link);
    assert.equal(again.counts['payment.create'] ?? 0, 0, JSON.stringify(again.counts));
    assert.equal(qboTable('BillPayment').length, before + 2, 'a second run posts nothing again');
    const report = await reconcile(deps, link);
    assert.deepEqual(report.differences.filter((d) => d.kind !== 'missing_in_erp'), [], JSON.stringify(report.differences));
    assert.equal(report.differences.length, bills.filter((b) => !b.archived && usesUnmapped(b)).length, 'only the bills on the unmapped account are missing');
  });

  test('a QBO webhook about a PO deleted or edited in QBO, or a vendor renamed there, raises a conflict; nothing is re-created or overwritten', async () => {
    const userEdit = async (body: Json) => {
      const r = await fetch(`${qbo.urls.base}/_emulator/user-edit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await r.text();
      assert.ok(r.ok, text);
      return JSON.parse(text) as Json;
    };
    const open = ourPos().filter((po) => po.POStatus === 'Open');
    const [gone, edited, kept] = [open[0]!, open[1]!, open[2]!];
    await userEdit({ entity: 'PurchaseOrder', operation: 'delete', record: { Id: gone.Id, SyncToken: gone.SyncToken } });
    const line = edited.Line[0];
    await userEdit({ entity: 'PurchaseOrder', operation: 'update', record: { Id: edited.Id, Line: [{ ...line, Amount: '1.23' }] } });
    const vendor = qboTable('Vendor').find((v) => v.Id === kept.VendorRef.value)!;
    await userEdit({ entity: 'Vendor', operation: 'update', record: { Id: vendor.Id, DisplayName: `${vendor.DisplayName} (renamed)` } });
    const posBefore = qboTable('PurchaseOrder').length;

    const bills = await syncRecords(deps, link, { kind: 'records', link: 'books', system: 'qbo', entity: 'bill', ids: [gone.Id, edited.Id, kept.Id] });
    assert.equal(bills.error, null, JSON.stringify(bills.error));
    const vendors = await syncRecords(deps, link, { kind: 'records', link: 'books', system: 'qbo', entity: 'vendor', ids: [vendor.Id] });
    assert.equal(vendors.error, null, JSON.stringify(vendors.error));
    const conflicts = await listRecords(backend.db, { link: 'books', status: ['conflict'] });
    const reasons = conflicts.map((c) => `${c.entity}: ${c.error_message}`);
    assert.equal(conflicts.length, 3, JSON.stringify(reasons));
    // Each names the record as a bookkeeper knows it: BILL's invoice number and vendor, QBO's DocNumber and Id.
    const vendorOf = (po: Json) => {
      const source = (org().bills as Json[]).find((b) => b.invoice.invoiceNumber === po.DocNumber)!;
      return (org().vendors as Json[]).find((v) => v.id === source.vendorId)!.name as string;
    };
    assert.ok(reasons.includes(`bill: Bill ${gone.DocNumber} from ${vendorOf(gone)}: the purchase order was deleted in QuickBooks Online (Id ${gone.Id}); the connector does not re-create it. If the bill does not belong in the books, void it in BILL or press Skip; if it does, enter it again in QuickBooks Online by hand, then press Skip.`), JSON.stringify(reasons));
    assert.ok(reasons.some((r) => r.startsWith(`bill: Bill ${edited.DocNumber} from ${vendorOf(edited)}: the purchase order's total was changed in QuickBooks Online to 1.23 USD (PO ${edited.DocNumber}, Id ${edited.Id}); BILL's bill is `)), JSON.stringify(reasons));
    assert.ok(reasons.some((r) => /^vendor: Vendor .+: the vendor was renamed in QuickBooks Online to '.*\(renamed\)' \(Id \S+\); BILL calls it/.test(r)), JSON.stringify(reasons));
    for (const c of conflicts) assert.ok(c.label && !c.label.includes('|'), `conflict ${c.source_id} keeps its label, not the match key: ${c.label}`);
    assert.equal(qboTable('PurchaseOrder').length, posBefore, 'the deleted PO is not re-created');
    assert.equal(cents(qboTable('PurchaseOrder').find((p) => p.Id === edited.Id)!.TotalAmt), 123n, 'the edit made in QBO is not overwritten');
    assert.match(qboTable('Vendor').find((v) => v.Id === vendor.Id)!.DisplayName, /\(renamed\)$/, 'the rename made in QBO is kept');
  });
});
