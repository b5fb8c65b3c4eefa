import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startReceiver } from '../helpers/webhook-receiver.ts';
import { control, expenseLine, seeded, startQbo } from './qbo-helpers.ts';

const signatureOf = (token: string, raw: Buffer) => createHmac('sha256', token).update(raw).digest('base64');

test('legacy webhooks: signed eventNotifications naming entity, id and operation for API writes and user edits', async () => {
  const { em, client } = await startQbo();
  const receiver = await startReceiver();
  try {
    await control(em, 'POST', '/webhooks', { url: receiver.url, format: 'legacy', delayMs: 60_000 });
    const vendor = (await client.call('POST', '/vendor', { DisplayName: 'Hooked Vendor' })).body.Vendor;
    const edited = await control(em, 'POST', '/user-edit', { entity: 'Vendor', operation: 'update', record: { Id: vendor.Id, CompanyName: 'Edited in QuickBooks' } });
    assert.equal(edited.status, 200, edited.text);
    assert.equal(edited.body.Vendor.SyncToken, '1');
    await em.flushWebhooks();

    assert.equal(receiver.received.length, 1, 'both changes fall in one aggregation window');
    const [delivery] = receiver.received;
    assert.equal(delivery!.headers['intuit-signature'], signatureOf(em.sandbox.webhookVerifierToken, delivery!.raw));
    const [note] = delivery!.json.eventNotifications;
    assert.equal(note.realmId, em.sandbox.realmId);
    assert.deepEqual(note.dataChangeEvent.entities.map((e: any) => [e.name, e.id, e.operation]), [['Vendor', vendor.Id, 'Create'], ['Vendor', vendor.Id, 'Update']]);
    assert.match(note.dataChangeEvent.entities[0].lastUpdated, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);

    // The API sees the user's edit: the client's old SyncToken is now stale.
    const stale = await client.call('POST', '/vendor', { Id: vendor.Id, SyncToken: '0', sparse: true, CompanyName: 'Mine' });
    assert.equal(stale.body.Fault.Error[0].code, '5010');
  } finally {
    await receiver.close();
    await em.stop();
  }
});

test('CloudEvents webhooks: an array of qbo.<entity>.<verb>.v1 events; duplicates on request', async () => {
  const { em, client } = await startQbo();
  const receiver = await startReceiver();
  try {
    await control(em, 'POST', '/webhooks', { url: receiver.url, format: 'cloudevents', delayMs: 0, duplicate: true });
    const { expense, vendor } = await seeded(client);
    const bill = (await client.call('POST', '/bill', { VendorRef: { value: vendor.Id }, Line: [expenseLine(expense.Id, 12)] })).body.Bill;
    await em.flushWebhooks();
    await control(em, 'POST', '/user-edit', { entity: 'Bill', operation: 'delete', record: { Id: bill.Id } });
    await em.flushWebhooks();

    assert.equal(receiver.received.length, 4, 'every delivery is sent twice');
    assert.deepEqual(receiver.received[0]!.raw, receiver.received[1]!.raw);
    for (const d of receiver.received) assert.equal(d.headers['intuit-signature'], signatureOf(em.sandbox.webhookVerifierToken, d.raw));
    const created = receiver.received[0]!.json[0];
    assert.equal(created.specversion, '1.0');
    assert.equal(created.type, 'qbo.bill.created.v1');
    assert.equal(created.intuitentityid, bill.Id);
    assert.equal(created.intuitaccountid, em.sandbox.realmId);
    assert.equal(receiver.received[2]!.json[0].type, 'qbo.bill.deleted.v1');
  } finally {
    await receiver.close();
    await em.stop();
  }
});

test('a failed request raises no webhook', async () => {
  const { em, client } = await startQbo();
  const receiver = await startReceiver();
  try {
    await control(em, 'POST', '/webhooks', { url: receiver.url });
    const first = (await client.query('select * from Vendor')).body.QueryResponse.Vendor[0];
    await client.call('POST', '/vendor', { DisplayName: first.DisplayName });
    await em.flushWebhooks();
    assert.equal(receiver.received.length, 0);
  } finally {
    await receiver.close();
    await em.stop();
  }
});
