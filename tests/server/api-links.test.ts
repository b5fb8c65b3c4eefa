/**
 * Creating and changing links over the REST API: a link carries its pair (given, or the one its ERP
 * forms with BILL), and a link pinned to the tenants it synced with cannot be pointed at a
 * connection to another tenant. Requests go over HTTP; results are read back from the database.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getLink, getLinkTenants, pinLinkTenants } from '../../src/store/repos/links.ts';
import { forEachBackend } from '../helpers/db.ts';
import { ServerSandbox } from './server-fixture.ts';

forEachBackend('server REST API: link pairs and pinned tenants', (backend) => {
  let s: ServerSandbox;

  before(async () => {
    s = await ServerSandbox.open(backend, { seed: 11, xero: { suppliers: 1, bills: 1 } });
    // Further connections, stored as `connect` stores them but without credentials: these tests
    // only point links at them and never open them.
    const add = (id: string, system: string, tenant: string) =>
      s.sandbox.db.query('insert into connections (id, system, tenant_id) values ($1, $2, $3)', [id, system, tenant]);
    await add('xero-same', 'xero', s.sandbox.xeroTenantId);
    await add('xero-other', 'xero', 'tenant-other');
    await add('bill-other', 'bill', 'org-other');
  });
  after(() => s?.close());

  test('links show their pair', async () => {
    assert.equal((await s.call('GET', '/api/links/main')).body.pair, 'xero-bill');
    assert.deepEqual((await s.call('GET', '/api/links')).body.items.map((l: { name: string; pair: string }) => [l.name, l.pair]), [['main', 'xero-bill']]);
  });

  test('create: the pair defaults to the one the ERP forms with BILL, and must agree with erpSystem', async () => {
    const wrong = await s.call('POST', '/api/links', { name: 'second', pair: 'bill-qbo', erpConnectionId: 'xero', billConnectionId: 'bill' });
    assert.deepEqual([wrong.status, wrong.body.error.field], [400, 'body.pair'], JSON.stringify(wrong.body));
    assert.match(wrong.body.error.message, /'bill-qbo'.*xero.*'xero-bill'/);
    const unknown = await s.call('POST', '/api/links', { name: 'second', pair: 'xero-qbo', erpConnectionId: 'xero', billConnectionId: 'bill' });
    assert.deepEqual([unknown.status, unknown.body.error.field], [400, 'body.pair']);
    assert.equal(await getLink(s.sandbox.db, 'second'), null, 'nothing was created');

    const given = await s.call('POST', '/api/links', { name: 'second', pair: 'xero-bill', erpConnectionId: 'xero', billConnectionId: 'bill' });
    assert.deepEqual([given.status, given.body.pair], [201, 'xero-bill'], JSON.stringify(given.body));
    const defaulted = await s.call('POST', '/api/links', { name: 'third', erpConnectionId: 'xero-other', billConnectionId: 'bill' });
    assert.deepEqual([defaulted.status, defaulted.body.pair], [201, 'xero-bill'], JSON.stringify(defaulted.body));
    assert.equal((await getLink(s.sandbox.db, 'third'))?.pair, 'xero-bill', 'stored');
  });

  test('a link that has not synced may be pointed at any connection of its systems', async () => {
    const moved = await s.call('PATCH', '/api/links/second', { erpConnectionId: 'xero-other', billConnectionId: 'bill-other' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual([moved.body.erpConnectionId, moved.body.billConnectionId], ['xero-other', 'bill-other']);
    const stored = await getLink(s.sandbox.db, 'second');
    assert.deepEqual([stored?.erpConnectionId, stored?.billConnectionId], ['xero-other', 'bill-other']);
    const system = await s.call('PATCH', '/api/links/second', { erpConnectionId: 'bill' });
    assert.deepEqual([system.status, system.body.error.field], [400, 'body.erpConnectionId']);
    const missing = await s.call('PATCH', '/api/links/second', { billConnectionId: 'nope' });
    assert.deepEqual([missing.status, missing.body.error.field], [400, 'body.billConnectionId']);
  });

  test('a pinned link refuses a connection to another tenant, naming the link and both tenants', async () => {
    const { xeroTenantId, billOrgId } = s.sandbox;
    await pinLinkTenants(s.sandbox.db, 'main', { erpTenantId: xeroTenantId, billOrgId });

    const erp = await s.call('PATCH', '/api/links/main', { erpConnectionId: 'xero-other', settings: { accountPolicy: 'error' } });
    assert.deepEqual([erp.status, erp.body.error.code, erp.body.error.field], [400, 'bad_request', 'body.erpConnectionId'], JSON.stringify(erp.body));
    for (const part of ["'main'", `'${xeroTenantId}'`, "'xero-other'", "'tenant-other'"]) assert.ok(erp.body.error.message.includes(part), `${erp.body.error.message} names ${part}`);
    const bill = await s.call('PATCH', '/api/links/main', { billConnectionId: 'bill-other' });
    assert.deepEqual([bill.status, bill.body.error.field], [400, 'body.billConnectionId']);
    for (const part of ["'main'", `'${billOrgId}'`, "'org-other'"]) assert.ok(bill.body.error.message.includes(part), `${bill.body.error.message} names ${part}`);

    const stored = await getLink(s.sandbox.db, 'main');
    assert.deepEqual([stored?.erpConnectionId, stored?.billConnectionId, stored?.settings.accountPolicy], ['xero', 'bill', 'create'], 'nothing was changed');
    assert.deepEqual(await getLinkTenants(s.sandbox.db, 'main'), { erpTenantId: xeroTenantId, billOrgId });
  });

  test('a pinned link may move to another connection of the same tenants', async () => {
    const moved = await s.call('PATCH', '/api/links/main', { erpConnectionId: 'xero-same' });
    assert.deepEqual([moved.status, moved.body.erpConnectionId], [200, 'xero-same'], JSON.stringify(moved.body));
    const back = await s.call('PATCH', '/api/links/main', { erpConnectionId: 'xero', settings: { accountPolicy: 'error' } });
    assert.deepEqual([back.status, back.body.erpConnectionId, back.body.settings.accountPolicy], [200, 'xero', 'error']);
    assert.equal((await getLink(s.sandbox.db, 'main'))?.erpConnectionId, 'xero');
  });
});
