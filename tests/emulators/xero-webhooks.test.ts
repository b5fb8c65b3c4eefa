import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { XeroClient, billInput, control, openXero, startReceiver, type Receiver, type Received } from './xero-helpers.ts';
import type { XeroEmulator } from '../../src/emulators/xero/index.ts';

const KEY = 'wh-key-0123456789abcdef0123456789abcdef';

/** Checks x-xero-signature the way a receiver must: HMAC-SHA256 over the raw bytes, base64. */
function signatureValid(r: Received, key = KEY): boolean {
  const expected = createHmac('sha256', key).update(r.raw).digest();
  const given = Buffer.from(String(r.headers['x-xero-signature'] ?? ''), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function withHook(fn: (em: XeroEmulator, c: XeroClient, hook: Receiver) => Promise<void>, scale = 0.0001): Promise<void> {
  const { em, c } = await openXero({ seed: 31, webhookDelayScale: scale });
  const hook = await startReceiver();
  try {
    const set = await control(em, 'POST', '/webhooks', { url: hook.url, key: KEY });
    assert.equal(set.status, 200);
    assert.equal(set.body.status, 'ACTIVE');
    await fn(em, c, hook);
  } finally {
    await em.stop();
    await hook.close();
  }
}

test('changes within 100 ms arrive as one signed payload with sequence numbers and entropy', () =>
  withHook(async (em, c, hook) => {
    const contact = await c.put('/Contacts', { Contacts: [{ Name: 'Hooked Supplier Inc' }] });
    const contactId = contact.body.Contacts[0].ContactID;
    const bill = await c.put('/Invoices', { Invoices: [billInput(contactId)] });
    const invoiceId = bill.body.Invoices[0].InvoiceID;
    await em.flushWebhooks();
    assert.equal(hook.received.length, 1);
    const [delivery] = hook.received;
    assert.ok(signatureValid(delivery!), 'x-xero-signature verifies against the raw body');
    assert.ok(!signatureValid(delivery!, 'some-other-key'));
    const body = delivery!.json;
    assert.deepEqual(Object.keys(body).sort(), ['entropy', 'events', 'firstEventSequence', 'lastEventSequence']);
    assert.equal(body.firstEventSequence, 1);
    assert.equal(body.lastEventSequence, 2);
    assert.match(body.entropy, /^[A-Z]{20}$/);
    assert.deepEqual(
      body.events.map((e: { eventCategory: string; eventType: string; resourceId: string }) => [e.eventCategory, e.eventType, e.resourceId]),
      [
        ['CONTACT', 'CREATE', contactId],
        ['INVOICE', 'CREATE', invoiceId],
      ],
    );
    for (const e of body.events) {
      assert.equal(e.tenantId, em.tenantIds.primary);
      assert.equal(e.tenantType, 'ORGANISATION');
      assert.match(e.eventDateUtc, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
      assert.equal(e.resourceUrl, `${em.urls.api}/${e.eventCategory === 'CONTACT' ? 'Contacts' : 'Invoices'}/${e.resourceId}`);
      assert.deepEqual(Object.keys(e).sort(), ['eventCategory', 'eventDateUtc', 'eventType', 'resourceId', 'resourceUrl', 'tenantId', 'tenantType']);
    }

    // Later changes form a new batch with the next sequence; a payment is an INVOICE UPDATE.
    await c.post(`/Invoices/${invoiceId}`, { Invoices: [{ Status: 'AUTHORISED' }] });
    await em.flushWebhooks();
    await new Promise((r) => setTimeout(r, 150));
    await c.put('/Payments', { Payments: [{ Invoice: { InvoiceID: invoiceId }, Account: { Code: '090' }, Date: '2026-11-03', Amount: 10 }] });
    await em.flushWebhooks();
    assert.equal(hook.received.length, 3);
    assert.equal(hook.received[1]!.json.firstEventSequence, 3);
    const paymentEvent = hook.received[2]!.json;
    assert.equal(paymentEvent.firstEventSequence, 4);
    assert.deepEqual(paymentEvent.events.map((e: { eventCategory: string; eventType: string }) => `${e.eventCategory}:${e.eventType}`), ['INVOICE:UPDATE']);
    const categories = new Set(hook.received.flatMap((r) => r.json.events.map((e: { eventCategory: string }) => e.eventCategory)));
    assert.deepEqual([...categories].sort(), ['CONTACT', 'INVOICE'], 'no payment category exists');

    // A rejected write raises nothing.
    const rejected = await c.put('/Invoices', { Invoices: [billInput(contactId, { LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 1, AccountCode: '476' }] })] });
    assert.equal(rejected.status, 400);
    await em.flushWebhooks();
    assert.equal(hook.received.length, 3);
  }));

test('seeding with a webhook configured announces every contact and invoice', () =>
  withHook(async (em, _c, hook) => {
    const summary = em.seed({ seed: 2, suppliers: 3, bills: 4, customers: 1, salesInvoices: 1, purchaseOrders: 0 });
    await em.flushWebhooks();
    const events = hook.received.flatMap((r) => r.json.events);
    const invoiceCreates = events.filter((e: { eventCategory: string; eventType: string }) => e.eventCategory === 'INVOICE' && e.eventType === 'CREATE');
    const totalInvoices = summary.tenants.reduce((n, t) => n + t.bills + t.salesInvoices, 0);
    assert.equal(invoiceCreates.length, totalInvoices);
    const contactCreates = events.filter((e: { eventCategory: string }) => e.eventCategory === 'CONTACT');
    assert.equal(contactCreates.length, summary.tenants.reduce((n, t) => n + t.contacts, 0));
    assert.ok(hook.received.every((r) => signatureValid(r)));
  }));

test('failed deliveries are retried on the back-off schedule, then the webhook is disabled until re-configured', () =>
  withHook(async (em, c, hook) => {
    hook.respond = () => ({ status: 503 });
    await c.put('/Contacts', { Contacts: [{ Name: 'Retry Me LLC' }] });
    await em.flushWebhooks();
    assert.equal(hook.received.length, 8, 'one attempt and seven retries');
    assert.ok(hook.received.every((r) => r.raw.equals(hook.received[0]!.raw)), 'every retry sends the same signed body');
    const gaps = hook.received.slice(1).map((r, i) => r.at - hook.received[i]!.at);
    assert.ok(gaps[gaps.length - 1]! >= gaps[0]!, 'retries come with decreasing frequency');
    let state = (await control(em, 'GET', '/state')).body;
    assert.equal(state.webhook.status, 'DISABLED');
    assert.ok(state.webhook.disabledAt);

    hook.respond = () => ({ status: 200 });
    await c.put('/Contacts', { Contacts: [{ Name: 'While Disabled LLC' }] });
    await em.flushWebhooks();
    assert.equal(hook.received.length, 8, 'nothing is sent while disabled');
    state = (await control(em, 'GET', '/state')).body;
    assert.equal(state.webhook.discardedEvents, 1);

    em.setWebhook({ url: hook.url, key: KEY });
    await c.put('/Contacts', { Contacts: [{ Name: 'After Re-enable LLC' }] });
    await em.flushWebhooks();
    assert.equal(hook.received.length, 9);
    assert.equal(hook.received[8]!.json.events[0].eventType, 'CREATE');
  }));

test('a delivery that fails twice and then gets 200 is delivered and the webhook stays active', () =>
  withHook(async (em, c, hook) => {
    let calls = 0;
    hook.respond = () => ({ status: (calls += 1) <= 2 ? 500 : 200 });
    await c.put('/Contacts', { Contacts: [{ Name: 'Third Time Lucky LLC' }] });
    await em.flushWebhooks();
    assert.equal(hook.received.length, 3);
    const view = (await control(em, 'GET', '/webhooks')).body;
    assert.equal(view.status, 'ACTIVE');
    assert.equal(view.deliveries.at(-1).outcome, 'delivered');
    assert.equal((await control(em, 'GET', '/stats')).body.webhooks.delivered, 1);
  }));

test('intent to receive: a correct receiver passes; one that accepts bad signatures or answers with a body fails', () =>
  withHook(async (em, _c, hook) => {
    hook.respond = (r) => ({ status: signatureValid(r) ? 200 : 401 });
    const good = await control(em, 'POST', '/webhooks/intent-to-receive');
    assert.equal(good.status, 200);
    assert.equal(good.body.passed, true);
    assert.ok(good.body.posts.length >= 4);
    assert.ok(good.body.posts.some((p: { correctlySigned: boolean }) => p.correctlySigned));
    assert.ok(good.body.posts.some((p: { correctlySigned: boolean }) => !p.correctlySigned));
    for (const p of good.body.posts) {
      assert.equal(p.status, p.expectedStatus);
      assert.equal(p.passed, true);
      assert.ok(p.elapsedMs < 5000);
    }
    for (const r of hook.received) {
      assert.deepEqual(r.json.events, []);
      assert.equal(r.json.firstEventSequence, 0);
      assert.equal(r.json.lastEventSequence, 0);
    }
    assert.equal((await control(em, 'GET', '/state')).body.webhook.intentToReceive, 'PASSED');

    hook.respond = () => ({ status: 200 });
    const lax = await control(em, 'POST', '/webhooks/intent-to-receive');
    assert.equal(lax.body.passed, false);
    const failed = lax.body.posts.filter((p: { passed: boolean }) => !p.passed);
    assert.ok(failed.length > 0 && failed.every((p: { correctlySigned: boolean; problem: string }) => !p.correctlySigned && /expected 401, got 200/.test(p.problem)));

    hook.respond = (r) => ({ status: signatureValid(r) ? 200 : 401, body: 'ok' });
    const chatty = await control(em, 'POST', '/webhooks/intent-to-receive');
    assert.equal(chatty.body.passed, false);
    assert.match(chatty.body.posts[0].problem, /empty body/);
    assert.equal((await control(em, 'GET', '/state')).body.webhook.intentToReceive, 'FAILED');

    hook.respond = (r) => ({ status: signatureValid(r) ? 200 : 401, delayMs: 50 });
    const slowButFine = await control(em, 'POST', '/webhooks/intent-to-receive');
    assert.equal(slowButFine.body.passed, true);
  }));
