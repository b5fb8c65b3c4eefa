import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { billOrgClient, getSubscriptionRow } from '../../src/app/systems/bill-subscriptions/index.ts';
import { checkWebhookSubscriptions } from '../../src/server/subscriptions/monitor.ts';
import { control, LiveServer, waitFor, type Json } from './webhooks-fixture.ts';

forEachBackend('webhooks: changes travel by webhook alone', (b) => {
  let live: LiveServer;
  before(async () => {
    live = await LiveServer.open(b.db, b.dataDir);
  });
  after(async () => {
    await live?.close();
  });

  test('an approved Xero bill reaches BILL, and its BILL payment posts back to Xero', async () => {
    // No sync was ever run: only the webhook, the records job and the worker can move this bill.
    assert.equal((await b.db.query("select count(*)::int as n from runs where kind = 'sync'")).rows[0]!.n, 0);
    const invoice = await live.createApprovedBill('WH-1001', '125.40');
    const [billBill] = await waitFor('the bill on BILL', async () => {
      const found = await live.billBillsNumbered('WH-1001');
      return found.length > 0 ? found : undefined;
    });
    assert.equal(billBill.amount, 125.4);
    const xeroEvents = await live.webhookRows('xero');
    assert.ok(xeroEvents.some((r: Json) => r.payload.resourceId === invoice.InvoiceID && r.job_id), 'the invoice event is recorded with its job');

    await live.bill.pay({ billId: billBill.id });
    const paid = await waitFor('the payment on the Xero bill', async () => {
      const inv = await live.xeroInvoice(invoice.InvoiceID);
      return inv.Status === 'PAID' ? inv : undefined;
    });
    assert.equal(Number(paid.AmountDue), 0);
    assert.equal((paid.Payments as Json[]).length, 1, 'exactly one payment in Xero');
    const billEvents = await live.webhookRows('bill');
    assert.ok(billEvents.some((r: Json) => r.payload.metadata.eventType === 'payment.updated' && r.job_id), 'the payment event is recorded with its job');
    assert.equal((await b.db.query("select count(*)::int as n from runs where kind = 'sync'")).rows[0]!.n, 0, 'no delta sync ran: webhooks alone');
  });
});

forEachBackend('webhooks: duplicates, reordering and a disabled subscription', (b) => {
  let live: LiveServer;
  before(async () => {
    live = await LiveServer.open(b.db, b.dataDir, { seed: 12 });
  });
  after(async () => {
    await live?.close();
  });

  test('every delivery sent twice and some held back: exactly one BILL bill and one Xero payment', async () => {
    // Every webhook of both emulators is delivered twice, and most are held back so later ones overtake them.
    for (const base of [live.xero.urls.base, live.bill.urls.base]) await control(base, 'POST', '/faults', { webhookDuplicateRate: 1, webhookReorderRate: 0.5 });
    const invoice = await live.createApprovedBill('WH-2001', '80.00');
    await live.xeroApi('POST', `/Invoices/${invoice.InvoiceID}`, { Invoices: [{ InvoiceID: invoice.InvoiceID, Reference: 'edited after approval' }] });
    const [billBill] = await waitFor('the bill on BILL', async () => {
      const found = await live.billBillsNumbered('WH-2001');
      return found.length > 0 ? found : undefined;
    });
    await live.bill.pay({ billId: billBill.id });
    await waitFor('the Xero bill paid', async () => ((await live.xeroInvoice(invoice.InvoiceID)).Status === 'PAID' ? true : undefined));
    await live.settle();

    // Each payload went out twice under one delivery id, and both copies were answered 200.
    for (const log of [live.xero.ctx.webhooks.log, live.bill.ctx.webhooks.log]) {
      const copies = new Map<string, number>();
      for (const d of log) copies.set(d.id, (copies.get(d.id) ?? 0) + (d.outcome === 'delivered' ? 1 : 0));
      assert.ok(copies.size > 0 && [...copies.values()].every((n) => n === 2), 'every payload delivered twice');
    }
    const billRows = await live.webhookRows('bill');
    assert.equal(billRows.length, new Set(live.bill.ctx.webhooks.log.map((d) => d.id)).size, 'one row per BILL event, not per delivery');
    const rows = [...(await live.webhookRows('xero')), ...billRows];
    assert.equal(new Set(rows.map((r: Json) => r.event_key)).size, rows.length, 'one row per event');
    assert.equal((await live.billBillsNumbered('WH-2001')).length, 1, 'exactly one BILL bill');
    assert.equal(((await live.xeroInvoice(invoice.InvoiceID)).Payments as Json[]).length, 1, 'exactly one Xero payment');
    for (const base of [live.xero.urls.base, live.bill.urls.base]) await control(base, 'POST', '/faults', {});
  });

  test('a subscription BILL disabled after failed deliveries is enabled again and the gap caught up', async () => {
    const invoice = await live.createApprovedBill('WH-2002', '42.10');
    const [billBill] = await waitFor('the bill on BILL', async () => {
      const found = await live.billBillsNumbered('WH-2002');
      return found.length > 0 ? found : undefined;
    });
    await live.settle();
    // Deliveries start failing (the receiver is unreachable); BILL retries, then disables the subscription.
    const { org } = await billOrgClient(live.services, live.link.billConnectionId);
    const row = await getSubscriptionRow(b.db, live.billOrgId);
    await org.updateSubscription(row!.subscriptionId!, { notificationUrl: 'http://127.0.0.1:9/webhooks/bill' });
    await live.bill.pay({ billId: billBill.id });
    await live.bill.ctx.webhooks.idle();
    assert.equal((await org.getSubscription(row!.subscriptionId!)).status.enabled, false, 'BILL disabled the subscription');
    await live.settle();
    assert.notEqual((await live.xeroInvoice(invoice.InvoiceID)).Status, 'PAID', 'the payment in the gap has not reached Xero');

    const checks = await checkWebhookSubscriptions(live.services);
    assert.deepEqual(checks.map((c) => [c.system, c.tenantId, c.outcome, c.catchUpJobs.length]), [['bill', live.billOrgId, 'reenabled', 1]]);
    const now = await org.getSubscription(row!.subscriptionId!);
    assert.equal(now.status.enabled, true);
    assert.equal(now.notificationUrl, `${live.services.publicUrl}/webhooks/bill`);
    await waitFor('the caught-up payment in Xero', async () => ((await live.xeroInvoice(invoice.InvoiceID)).Status === 'PAID' ? true : undefined));
    const runs = (await b.db.query<{ kind: string }>("select kind from runs where kind = 'sync'")).rows;
    assert.equal(runs.length, 1, 'one catch-up sync ran');
    assert.deepEqual(await checkWebhookSubscriptions(live.services).then((c) => c.map((x) => x.outcome)), ['ok'], 'a second check finds nothing to do');
  });
});
