import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { forEachBackend } from '../helpers/db.ts';
import { signingKeys } from '../../src/app/systems/bill-webhook.ts';
import { control, LiveServer, type Json } from './webhooks-fixture.ts';

const sign = (key: string, body: string): string => createHmac('sha256', key).update(body).digest('base64');

forEachBackend('webhooks: signatures, intent to receive, bad input', (b) => {
  let live: LiveServer;
  let billKey: { organizationId: string; subscriptionId: string; securityKey: string };
  before(async () => {
    // No workers: these tests look at what the endpoints record and queue, not at what runs.
    live = await LiveServer.open(b.db, b.dataDir, { workers: false, seed: 13 });
    billKey = (await signingKeys(b.db, live.services.box))[0]!;
  });
  after(async () => {
    await live?.close();
  });

  const post = (system: 'xero' | 'bill', body: string | Buffer, signature?: string) =>
    fetch(`${live.services.publicUrl}/webhooks/${system}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { [system === 'xero' ? 'x-xero-signature' : 'x-bill-sha-signature']: signature } : {}) },
      body,
    });
  const counts = async () => ({ events: (await b.db.query<{ n: number }>('select count(*)::int as n from webhook_events')).rows[0]!.n, jobs: await live.allJobs() });
  const billEvent = (eventId: string, eventType = 'bill.updated', entity: Json = { id: 'bill-in-test', updatedTime: '2026-09-01T00:00:00.000+00:00' }) =>
    JSON.stringify({ metadata: { eventId, subscriptionId: billKey.subscriptionId, organizationId: billKey.organizationId, eventType, version: '1' }, [eventType.split('.')[0]!]: entity });

  test("Xero's intent-to-receive probe passes: 200 for good signatures, 401 for bad, empty bodies, no cookies", async () => {
    const report = await control(live.xero.urls.base, 'POST', '/webhooks/intent-to-receive', {});
    assert.equal(report.passed, true, JSON.stringify(report.posts));
    assert.deepEqual(report.posts.map((p: Json) => p.status), report.posts.map((p: Json) => p.expectedStatus));
    assert.ok(report.posts.every((p: Json) => p.elapsedMs < 1000), 'each answer well within 5 seconds');
  });

  test('bad and missing signatures are 401 and leave no event row and no job', async () => {
    const before = await counts();
    const xeroBody = JSON.stringify({ events: [{ resourceUrl: 'x', resourceId: randomUUID(), tenantId: live.xeroTenantId, tenantType: 'ORGANISATION', eventCategory: 'INVOICE', eventType: 'CREATE', eventDateUtc: '2026-09-01T00:00:00.000' }], firstEventSequence: 1, lastEventSequence: 1, entropy: 'ABC' });
    assert.equal((await post('xero', xeroBody, sign('not-the-key-at-all-0123456789', xeroBody))).status, 401);
    assert.equal((await post('xero', xeroBody)).status, 401);
    const billBody = billEvent(randomUUID());
    const refused = await post('bill', billBody, sign('not-the-key-at-all-0123456789', billBody));
    assert.equal(refused.status, 401);
    assert.equal(await refused.text(), '', 'nothing in the answer');
    assert.equal((await post('bill', billBody)).status, 401);
    assert.deepEqual(await counts(), before);
  });

  test('a signed BILL event is recorded once with one job; its duplicate adds nothing', async () => {
    const before = await counts();
    const body = billEvent(randomUUID(), 'payment.updated', { id: 'stp-test-1', billIds: ['x'], status: 'PAID' });
    const started = Date.now();
    assert.equal((await post('bill', body, sign(billKey.securityKey, body))).status, 200);
    assert.ok(Date.now() - started < 2000, 'answered at once');
    assert.equal((await post('bill', body, sign(billKey.securityKey, body))).status, 200, 'a duplicate is still acknowledged');
    assert.deepEqual(await counts(), { events: before.events + 1, jobs: before.jobs + 1 });
    const row = (await live.webhookRows('bill')).at(-1);
    assert.equal(row.payload.id, 'stp-test-1');
    const job = (await b.db.query<{ data: Json; singleton_key: string }>('select data, singleton_key from pgboss.job where id = $1', [row.job_id])).rows[0]!;
    assert.deepEqual(job.data, { kind: 'records', link: live.link.name, system: 'bill', entity: 'payment', ids: ['stp-test-1'] });
    assert.equal(job.singleton_key, `bill:${live.billOrgId}`);
  });

  test('an oversized body is 413 and a signed but malformed one 400, with nothing recorded', async () => {
    const before = await counts();
    const huge = JSON.stringify({ events: [], padding: 'x'.repeat(1_100_000) });
    assert.equal((await post('xero', huge, sign(live.xeroWebhookKey, huge))).status, 413);
    assert.equal((await post('bill', huge, sign(billKey.securityKey, huge))).status, 413);
    const broken = '{"metadata": {"eventId": ';
    assert.equal((await post('bill', broken, sign(billKey.securityKey, broken))).status, 400);
    assert.equal((await post('xero', broken, sign(live.xeroWebhookKey, broken))).status, 400);
    assert.deepEqual(await counts(), before);
  });

  test('an unknown system, or a tenant in the URL of a system that takes none, is 404 with nothing recorded', async () => {
    const before = await counts();
    for (const path of ['sap', 'XERO', 'netsuite', `xero/${live.xeroTenantId}`, 'bill/some-org']) {
      const res = await fetch(`${live.services.publicUrl}/webhooks/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"events": []}' });
      assert.equal(res.status, 404, path);
    }
    assert.deepEqual(await counts(), before);
  });
});
