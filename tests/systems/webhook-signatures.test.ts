import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readXeroWebhook, verifyXeroSignature } from '../../src/systems/xero/webhooks.ts';
import { parseBillWebhook, readBillWebhook, verifyBillSignature } from '../../src/systems/bill/webhooks.ts';

const sign = (key: string, body: string | Buffer) => createHmac('sha256', key).update(body).digest('base64');

test('Xero: base64 HMAC-SHA256 over the raw bytes; anything else is refused', () => {
  const key = 'xero-webhook-key-123';
  const raw = Buffer.from('{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}');
  assert.equal(verifyXeroSignature(raw, sign(key, raw), key), true);
  assert.equal(verifyXeroSignature(raw, sign('other', raw), key), false);
  // Re-serialised JSON (different whitespace) must not verify: the raw bytes are what was signed.
  const reserialised = JSON.stringify(JSON.parse(raw.toString()), null, 1);
  assert.equal(verifyXeroSignature(reserialised, sign(key, raw), key), false);
  assert.equal(verifyXeroSignature(raw, undefined, key), false);
  assert.equal(verifyXeroSignature(raw, 'short', key), false);
  const intent = readXeroWebhook({ rawBody: raw, signature: sign(key, raw), webhookKey: key });
  assert.ok(intent.ok && intent.value.events.length === 0);
  const refused = readXeroWebhook({ rawBody: raw, signature: sign('x', raw), webhookKey: key });
  assert.ok(!refused.ok && refused.error.reason === 'bad_signature');
});

test('Xero: an event batch is parsed; a signed but malformed body is a bad payload', () => {
  const key = 'k-123456';
  const raw = JSON.stringify({
    events: [{ resourceUrl: 'https://api.xero.com/api.xro/2.0/Invoices/abc', resourceId: 'abc', tenantId: 't', tenantType: 'ORGANISATION', eventCategory: 'INVOICE', eventType: 'UPDATE', eventDateUtc: '2026-01-05T10:00:00.000' }],
    firstEventSequence: 1, lastEventSequence: 1, entropy: 'e',
  });
  const read = readXeroWebhook({ rawBody: raw, signature: sign(key, raw), webhookKey: key });
  assert.ok(read.ok);
  assert.equal(read.value.events[0]!.eventDateUtc, '2026-01-05T10:00:00.000Z');
  const bad = '{"events":"x"}';
  const r = readXeroWebhook({ rawBody: bad, signature: sign(key, bad), webhookKey: key });
  assert.ok(!r.ok && r.error.reason === 'bad_payload' && r.error.error.code === 'MLC_ERR_BAD_RESPONSE');
});

test('BILL: x-bill-sha-signature over the raw body; metadata and entity parsed', () => {
  const key = 'bill-security-key-xyz';
  const raw = Buffer.from(JSON.stringify({
    metadata: { eventId: 'ev1', subscriptionId: 's1', organizationId: '008abc', eventType: 'bill.updated', version: '1' },
    bill: { id: '00n1', amount: 12.5, updatedTime: '2026-01-05T10:00:00.000+00:00' },
  }));
  assert.equal(verifyBillSignature(raw, sign(key, raw), key), true);
  assert.equal(verifyBillSignature(raw, sign(key, Buffer.concat([raw, Buffer.from(' ')])), key), false);
  const read = readBillWebhook({ rawBody: raw, signature: sign(key, raw), securityKey: key });
  assert.ok(read.ok);
  assert.equal(read.value.entityType, 'bill');
  assert.equal(read.value.entity.id, '00n1');
  assert.equal(read.value.metadata.eventId, 'ev1');
  const bank = parseBillWebhook(JSON.stringify({ metadata: { eventId: 'e', subscriptionId: 's', organizationId: 'o', eventType: 'bank-account.created', version: '1' }, bankAccount: { id: 'bac1' } }));
  assert.equal(bank.entity.id, 'bac1');
  assert.throws(() => parseBillWebhook('{"metadata":{"eventId":"e","subscriptionId":"s","organizationId":"o","eventType":"bill.created","version":"1"}}'), /no 'bill' object/);
  assert.throws(() => parseBillWebhook('not json'), /not JSON/);
});
