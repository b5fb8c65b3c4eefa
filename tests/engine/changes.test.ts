/**
 * After the first sync: a sync with nothing changed reads only from the saved cursors; edits of a
 * Xero supplier and of an unpaid bill reach BILL on the next sync (and a dry run shows them without
 * writing); voids archive unpaid BILL bills and raise a conflict when BILL has paid or scheduled one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { callsMatching, Sandbox, type Json, type StatsPair } from './sandbox-fixture.ts';
import { accpay, billFor, eligible, expectedLines, minor, ymd } from './ledger-views.ts';

const writes = /^(PUT|POST|PATCH|DELETE) /;

forEachBackend('delta sync, edits and voids', (backend) => {
  let sb: Sandbox;
  let unpaid: Json[];

  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 21, xero: { suppliers: 5, bills: 24 } });
    const first = await sb.sync();
    assert.equal(first.status, 'succeeded', JSON.stringify(first.error));
    unpaid = accpay(await sb.xeroState()).filter(eligible);
    assert.ok(unpaid.length >= 4, 'the seed gives at least four eligible bills');
  });
  after(() => sb?.close());

  test('a second sync with nothing changed reads only from the cursors and writes nothing', async () => {
    const cursors = await sb.cursors();
    assert.deepEqual(Object.keys(cursors).sort(), ['erp.bills', 'erp.suppliers']);
    const idMapBefore = await backend.db.query('select * from id_map order by entity, source_id');
    const auditBefore = (await sb.rowCounts()).audit_events;
    await sb.resetStats();
    const result = await sb.sync();
    assert.equal(result.status, 'succeeded');
    const stats = await sb.stats();
    assert.deepEqual(stats.xero.callsByEndpoint, { 'GET /api.xro/2.0/Accounts': 1, 'GET /api.xro/2.0/Contacts': 1, 'GET /api.xro/2.0/Invoices': 1 });
    assert.equal(callsMatching(stats.bill, writes), 0, JSON.stringify(stats.bill.callsByEndpoint));
    assert.ok(stats.bill.totalCalls <= 4, JSON.stringify(stats.bill.callsByEndpoint));
    const touched = Object.entries(result.counts).filter(([k]) => /^(bill|vendor)\./.test(k)).reduce((n, [, v]) => n + v, 0);
    // Only the records stamped with the cursor's own second come back (If-Modified-Since is inclusive).
    assert.ok(touched <= 3, `records re-read: ${JSON.stringify(result.counts)}`);
    assert.deepEqual(Object.keys(result.counts).filter((k) => /\.(create|update|archive|fail|conflict)$/.test(k)), []);
    // Not even the account matches are written again (they once churned every row and added an audit row per account).
    assert.deepEqual((await backend.db.query('select * from id_map order by entity, source_id')).rows, idMapBefore.rows);
    const newAudit = await backend.db.query<{ entity: string; step: string }>('select entity, step from audit_events order by id offset $1', [auditBefore]);
    assert.deepEqual(newAudit.rows.filter((r) => r.entity !== 'bill' && r.entity !== 'vendor'), []);
  });

  test('edits of a supplier and of an unpaid bill: the dry run shows the updates, the sync makes exactly them', async () => {
    const vendorRow = (await sb.idMap('vendor'))[0];
    const contactId = vendorRow.source_id;
    await sb.xeroApi.updateContact(contactId, {
      Name: 'Renamed Supplies Co',
      EmailAddress: 'payables@renamed.example',
      TaxNumber: '98-7654321',
      Addresses: [{ AddressType: 'POBOX', AddressLine1: 'PO Box 77', City: 'Boise', Region: 'ID', PostalCode: '83702', Country: 'US' }],
    });
    const target = unpaid[0];
    const before = await sb.xeroApi.invoice(target.InvoiceID);
    const edited = await sb.xeroApi.updateInvoice(target.InvoiceID, {
      DueDate: '2026-12-31',
      LineItems: before.LineItems.map((l: Json, i: number) => (i === 0 ? { LineItemID: l.LineItemID, Quantity: 1, UnitAmount: '123.45' } : { LineItemID: l.LineItemID })),
    });
    assert.notEqual(edited.Total, before.Total);

    const billBefore = await sb.billState();
    const rowsBefore = await sb.rowCounts();
    const cursorsBefore = await sb.cursors();
    const plan = await sb.sync({ dryRun: true });
    const updates = plan.plan.filter((p) => p.action === 'update').map((p) => [p.entity, p.sourceId, p.reason]);
    assert.deepEqual(updates.sort(), [['bill', target.InvoiceID, 'bill changed in the ERP'], ['vendor', contactId, 'supplier details changed']]);
    assert.deepEqual(await sb.billState(), billBefore);
    assert.deepEqual(await sb.rowCounts(), rowsBefore);
    assert.deepEqual(await sb.cursors(), cursorsBefore);

    await sb.resetStats();
    const result = await sb.sync();
    assert.equal(result.status, 'succeeded', JSON.stringify(result.plan));
    assert.equal(result.counts['vendor.update'], 1);
    assert.equal(result.counts['bill.update'], 1);
    const stats = await sb.stats();
    assert.deepEqual(writeCalls(stats).bill, { 'PATCH /connect/v3/vendors/:vendorId': 1, 'PUT /connect/v3/bills/:billId': 1 });
    assert.deepEqual(writeCalls(stats).xero, {});

    const org = await sb.billState();
    const vendor = org.vendors.find((v: Json) => v.id === vendorRow.target_id);
    assert.deepEqual([vendor.name, vendor.email, vendor.additionalInfo?.taxId, vendor.address?.line1, vendor.address?.city, vendor.address?.country],
      ['Renamed Supplies Co', 'payables@renamed.example', '98-7654321', 'PO Box 77', 'Boise', 'US']);
    const [bill, ...extra] = billFor(org, target.InvoiceID);
    assert.equal(extra.length, 0);
    assert.equal(bill.dueDate, '2026-12-31');
    assert.equal(minor(bill.amount, edited.CurrencyCode), minor(edited.Total, edited.CurrencyCode));
    assert.deepEqual(bill.billLineItems.map((l: Json) => minor(l.amount, edited.CurrencyCode)), expectedLines(edited).map((l) => l.amount));
    assert.equal(bill.invoice.invoiceDate, ymd(edited.DateString));
  });

  test('an edit of one line amount keeps the BILL line ids: PUT sends them back with their lines', async () => {
    // A bill the other tests leave alone, with at least two lines BILL holds.
    const org = await sb.billState();
    const target = unpaid.slice(4).find((i) => billFor(org, i.InvoiceID)[0]?.billLineItems.length >= 2);
    assert.ok(target, 'the seed gives an eligible bill with two or more lines');
    const [billBefore] = billFor(org, target.InvoiceID);
    const idsBefore: string[] = billBefore.billLineItems.map((l: Json) => l.id);
    const xeroBefore = await sb.xeroApi.invoice(target.InvoiceID);
    // The last line that reaches BILL (Xero lines of zero are not sent) gets a new amount.
    const sent = xeroBefore.LineItems.filter((l: Json) => minor(l.LineAmount, xeroBefore.CurrencyCode) !== 0n);
    const editedLine = sent.at(-1).LineItemID;
    const edited = await sb.xeroApi.updateInvoice(target.InvoiceID, {
      LineItems: xeroBefore.LineItems.map((l: Json) => (l.LineItemID === editedLine ? { LineItemID: l.LineItemID, Quantity: 1, UnitAmount: '987.65' } : { LineItemID: l.LineItemID })),
    });

    const result = await sb.sync();
    assert.equal(result.counts['bill.update'], 1, JSON.stringify(result.counts));
    const [billAfter] = billFor(await sb.billState(), target.InvoiceID);
    assert.deepEqual(billAfter.billLineItems.map((l: Json) => minor(l.amount, edited.CurrencyCode)), expectedLines(edited).map((l) => l.amount));
    assert.notDeepEqual(billAfter.billLineItems.map((l: Json) => l.amount), billBefore.billLineItems.map((l: Json) => l.amount));
    // Every line keeps its id: the unchanged ones and, paired by position, the edited one.
    assert.deepEqual(billAfter.billLineItems.map((l: Json) => l.id), idsBefore);
  });

  test('voiding a bill BILL has not paid archives it in BILL', async () => {
    const target = unpaid[1];
    await sb.xeroApi.updateInvoice(target.InvoiceID, { Status: 'VOIDED' });
    const result = await sb.sync();
    assert.equal(result.counts['bill.archive'], 1, JSON.stringify(result.counts));
    const [bill] = billFor(await sb.billState(), target.InvoiceID);
    assert.equal(bill.archived, true);
    assert.equal((await sb.record('bill', target.InvoiceID)).reason, 'archived in BILL');
    assert.equal((await sb.reconcile()).differences.filter((d) => d.erpBillId === target.InvoiceID).length, 0);
  });

  test('voiding a bill BILL has scheduled or paid is a conflict, and the BILL bill stays as it is', async () => {
    const [scheduled, paid] = [unpaid[2], unpaid[3]];
    const org = await sb.billState();
    const scheduledBill = billFor(org, scheduled.InvoiceID)[0];
    const paidBill = billFor(org, paid.InvoiceID)[0];
    await sb.pay(scheduledBill.id, undefined, 'SCHEDULED');
    await sb.pay(paidBill.id, '10.00');
    await sb.xeroApi.updateInvoice(scheduled.InvoiceID, { Status: 'VOIDED' });
    await sb.xeroApi.updateInvoice(paid.InvoiceID, { Status: 'VOIDED' });
    const result = await sb.sync();
    assert.equal(result.status, 'partial');
    assert.equal(result.counts['bill.conflict'], 2, JSON.stringify(result.counts));
    for (const [inv, bill, word] of [[scheduled, scheduledBill, /scheduled [1-9]/], [paid, paidBill, /paid 10\.00/]] as const) {
      const record = await sb.record('bill', inv.InvoiceID);
      assert.equal(record.status, 'conflict');
      assert.equal(record.error_code, 'MLC_ERR_CONFLICT');
      assert.match(record.reason, /voided in the ERP but BILL has/);
      assert.match(record.reason, word);
      assert.equal((await sb.billState()).bills.find((b: Json) => b.id === bill.id).archived, false);
      assert.ok(result.plan.some((p) => p.sourceId === inv.InvoiceID && p.action === 'conflict'));
    }
    const audit = await backend.db.query<{ outcome: string }>("select outcome from audit_events where source_id = $1 and step = 'conflict'", [paid.InvoiceID]);
    assert.equal(audit.rows.length, 1);

    // The 10.00 BILL paid is read against the Xero bill as it is now: voided, so a conflict for a
    // person rather than a payment Xero would refuse.
    assert.equal(result.counts['payment.conflict'], 1, JSON.stringify(result.counts));
    assert.equal(result.counts['payment.fail'] ?? 0, 0);
    const application = (await sb.billState()).payments.find((p: Json) => p.billPayments.some((a: Json) => a.billId === paidBill.id)).billPayments[0];
    const paymentRecord = await sb.record('payment', application.id);
    assert.equal(paymentRecord.status, 'conflict');
    assert.match(paymentRecord.reason, /BILL paid 10\.00 \w+ but the ERP bill is voided/);
    assert.equal((await sb.xeroState()).payments.filter((p: Json) => p.Invoice.InvoiceID === paid.InvoiceID).length, 0, 'nothing posted to the voided bill');
  });
});

/** Write calls by endpoint on each side. */
function writeCalls(stats: StatsPair): { xero: Record<string, number>; bill: Record<string, number> } {
  const only = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([k]) => writes.test(k) && !k.endsWith('/login') && !k.includes('/connect/token')));
  return { xero: only(stats.xero.callsByEndpoint), bill: only(stats.bill.callsByEndpoint) };
}
