import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readXeroWebhook, type XeroWebhookEvent } from '../../src/systems/xero/webhooks.ts';
import { startXeroHarness } from './xero-harness.ts';

test('Xero webhooks: intent-to-receive passes and a real event batch verifies with the webhook key', async () => {
  const h = await startXeroHarness({ seed: 81 });
  const key = 'mlc-test-webhook-key-0123456789';
  const events: XeroWebhookEvent[] = [];
  // Answer as Xero requires: 200 with no body when the signature matches, 401 when not.
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const read = readXeroWebhook({ rawBody: Buffer.concat(chunks), signature: req.headers['x-xero-signature'], webhookKey: key });
      if (read.ok) events.push(...read.value.events);
      res.writeHead(read.ok ? 200 : 401).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/xero`;
    h.emu.setWebhook({ url, key });
    const probe = (await (await fetch(`${h.emu.urls.base}/_emulator/webhooks/intent-to-receive`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { passed: boolean };
    assert.equal(probe.passed, true);
    const tenant = h.client().forTenant(h.tenantId);
    const created = (await tenant.createContacts([{ Name: 'Webhook Supplier Ltd' }]))[0]!;
    assert.ok(created.ok);
    await h.emu.flushWebhooks();
    const event = events.find((e) => created.ok && e.resourceId === created.record.ContactID);
    assert.ok(event, 'the CONTACT event arrived and verified');
    assert.equal(event.eventCategory, 'CONTACT');
    assert.equal(event.tenantId.toLowerCase(), h.tenantId.toLowerCase());
    assert.match(event.eventDateUtc, /Z$/);
  } finally {
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
    await h.stop();
  }
});
