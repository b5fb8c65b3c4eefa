/**
 * Webhooks lost on the way: the scheduled poll is what guarantees completeness. With every delivery
 * dropped by the emulators' fault injection, nothing arrives through the webhook path, and the
 * link's poll (the schedule's own job, sent as the cron would send it) still brings the approved
 * bill to BILL and BILL's payment back to Xero, once each.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PollScheduler } from '../../src/server/scheduler/index.ts';
import { forEachBackend } from '../helpers/db.ts';
import { control, LiveServer, waitFor, type Json } from './webhooks-fixture.ts';

forEachBackend('webhooks dropped: the scheduled poll delivers', (b) => {
  let live: LiveServer;
  let scheduler: PollScheduler;
  before(async () => {
    live = await LiveServer.open(b.db, b.dataDir, { seed: 14 });
    scheduler = new PollScheduler(live.services.db, live.services.queue, live.services.log);
    await scheduler.reconcile();
    for (const base of [live.xero.urls.base, live.bill.urls.base]) await control(base, 'POST', '/faults', { webhookDropRate: 1 });
  });
  after(async () => {
    await scheduler?.stop();
    await live?.close();
  });

  /** Sends the link's scheduled poll and waits until the queue is empty again. */
  async function poll(): Promise<void> {
    assert.ok(await scheduler.fireNow(live.link.name), 'the link has a poll schedule');
    await live.settle();
  }

  test('an approved Xero bill whose webhook was dropped reaches BILL with the next poll', async () => {
    const invoice = await live.createApprovedBill('PB-2001', '310.15');
    await live.xero.flushWebhooks();
    await live.settle();
    assert.deepEqual(await live.billBillsNumbered('PB-2001'), [], 'no webhook arrived, so nothing moved yet');
    assert.equal((await live.webhookRows('xero')).length, 0);

    await poll();
    const found = await live.billBillsNumbered('PB-2001');
    assert.equal(found.length, 1, 'exactly one BILL bill');
    assert.equal(found[0].amount, 310.15);

    await poll();
    assert.equal((await live.billBillsNumbered('PB-2001')).length, 1, 'a second poll creates nothing');
    assert.ok(invoice.InvoiceID);
  });

  test("a BILL payment whose webhook was dropped posts back to Xero with the next poll", async () => {
    const invoice = (await live.xeroApi('GET', '/Invoices?InvoiceNumbers=PB-2001')).Invoices[0];
    const [billBill] = await live.billBillsNumbered('PB-2001');
    live.bill.pay({ billId: billBill.id });
    await live.settle();
    assert.equal((await live.xeroInvoice(invoice.InvoiceID)).Status, 'AUTHORISED', 'no webhook arrived, so nothing moved yet');

    await poll();
    const paid = await waitFor('the payment on the Xero bill', async () => {
      const inv = await live.xeroInvoice(invoice.InvoiceID);
      return inv.Status === 'PAID' ? inv : undefined;
    });
    assert.equal((paid.Payments as Json[]).length, 1, 'exactly one payment in Xero');
    assert.equal((await live.webhookRows('bill')).length, 0, 'every BILL delivery was dropped');
  });
});
