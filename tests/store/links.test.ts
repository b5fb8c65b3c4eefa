import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConnectorError } from '../../src/core/errors.ts';
import { linkSettingsSchema, type Link } from '../../src/model/link.ts';
import { migrate } from '../../src/store/migrate.ts';
import { getLink, getLinkTenants, listLinks, pinLinkTenants, saveLink } from '../../src/store/repos/links.ts';
import { forEachBackend } from '../helpers/db.ts';
import type { Db } from '../../src/store/db.ts';

const shipped = join(dirname(fileURLToPath(import.meta.url)), '../../src/store/migrations');

async function addConnection(db: Db, id: string, system: string, tenantId: string | null): Promise<void> {
  await db.query('insert into connections (id, system, tenant_id) values ($1, $2, $3)', [id, system, tenantId]);
}

const link = (name: string, over: Partial<Link> = {}): Link => ({
  name, pair: 'xero-bill', erpSystem: 'xero', erpConnectionId: 'xero', billConnectionId: 'bill', settings: linkSettingsSchema.parse({}), ...over,
});

/** Asserts the call is refused with MLC_ERR_CONFIG and a message naming every given part. */
async function refused(call: Promise<unknown>, ...named: string[]): Promise<void> {
  await assert.rejects(call, (e: unknown) => {
    assert.ok(e instanceof ConnectorError, String(e));
    assert.equal(e.code, 'MLC_ERR_CONFIG');
    for (const part of named) assert.ok(e.message.includes(part), `'${e.message}' names ${part}`);
    return true;
  });
}

forEachBackend('links repo', (b) => {
  test('stores the pair in its own column and reads it back', async () => {
    await addConnection(b.db, 'xero', 'xero', 'tenant-a');
    await addConnection(b.db, 'bill', 'bill', 'org-1');
    await saveLink(b.db, link('main'));
    await b.db.query("update links set erp_system = 'qbo' where name = 'main'");
    const read = await getLink(b.db, 'main');
    assert.equal(read?.pair, 'xero-bill', 'the pair is the stored one, not derived from erp_system');
    await b.db.query("update links set erp_system = 'xero' where name = 'main'");
    assert.deepEqual((await listLinks(b.db)).map((l) => [l.name, l.pair]), [['main', 'xero-bill']]);
    await assert.rejects(b.db.query("update links set pair = 'xero-qbo' where name = 'main'"), /links_pair_check/);
  });

  test('pins the tenants on the first run, and accepts the same ones again', async () => {
    assert.deepEqual(await getLinkTenants(b.db, 'main'), { erpTenantId: null, billOrgId: null });
    await pinLinkTenants(b.db, 'main', { erpTenantId: 'tenant-a', billOrgId: 'org-1' });
    assert.deepEqual(await getLinkTenants(b.db, 'main'), { erpTenantId: 'tenant-a', billOrgId: 'org-1' });
    await pinLinkTenants(b.db, 'main', { erpTenantId: 'tenant-a', billOrgId: 'org-1' });
    assert.deepEqual(await getLinkTenants(b.db, 'main'), { erpTenantId: 'tenant-a', billOrgId: 'org-1' });
  });

  test('refuses another ERP tenant or BILL organisation, naming the link, the pinned tenant and the new one', async () => {
    await refused(pinLinkTenants(b.db, 'main', { erpTenantId: 'tenant-b', billOrgId: 'org-1' }), "'main'", "'tenant-a'", "'tenant-b'");
    await refused(pinLinkTenants(b.db, 'main', { erpTenantId: 'tenant-a', billOrgId: 'org-2' }), "'main'", "'org-1'", "'org-2'");
    assert.deepEqual(await getLinkTenants(b.db, 'main'), { erpTenantId: 'tenant-a', billOrgId: 'org-1' }, 'nothing changed');
    await refused(pinLinkTenants(b.db, 'nope', { erpTenantId: 'tenant-a', billOrgId: 'org-1' }), "'nope'");
  });

  test('a refused pin sets neither side', async () => {
    await saveLink(b.db, link('half'));
    await b.db.query("update links set erp_tenant_id = 'tenant-a' where name = 'half'");
    await refused(pinLinkTenants(b.db, 'half', { erpTenantId: 'tenant-b', billOrgId: 'org-9' }), "'half'", "'tenant-a'", "'tenant-b'");
    assert.deepEqual(await getLinkTenants(b.db, 'half'), { erpTenantId: 'tenant-a', billOrgId: null });
    await pinLinkTenants(b.db, 'half', { erpTenantId: 'tenant-a', billOrgId: 'org-9' });
    assert.deepEqual(await getLinkTenants(b.db, 'half'), { erpTenantId: 'tenant-a', billOrgId: 'org-9' });
  });

  test('two runs starting together against different tenants: exactly one pins', async () => {
    await saveLink(b.db, link('race'));
    const results = await Promise.allSettled([
      pinLinkTenants(b.db, 'race', { erpTenantId: 'tenant-a', billOrgId: 'org-1' }),
      pinLinkTenants(b.db, 'race', { erpTenantId: 'tenant-b', billOrgId: 'org-2' }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const winner = results[0]!.status === 'fulfilled' ? { erpTenantId: 'tenant-a', billOrgId: 'org-1' } : { erpTenantId: 'tenant-b', billOrgId: 'org-2' };
    assert.deepEqual(await getLinkTenants(b.db, 'race'), winner);
  });

  test('saving a link (settings, connections) keeps its pins', async () => {
    await saveLink(b.db, link('main', { settings: linkSettingsSchema.parse({ accountPolicy: 'error' }) }));
    assert.equal((await getLink(b.db, 'main'))?.settings.accountPolicy, 'error');
    assert.deepEqual(await getLinkTenants(b.db, 'main'), { erpTenantId: 'tenant-a', billOrgId: 'org-1' });
  });
});

forEachBackend('links pair migration', (b) => {
  test('backfills the pair from erp_system and pins the links that synced', async () => {
    const before = mkdtempSync(join(tmpdir(), 'mlc-migrations-'));
    try {
      cpSync(shipped, before, { recursive: true, filter: (src) => !/0004_[^/]*\.sql$/.test(src) });
      await migrate(b.db, { folder: before });
      await addConnection(b.db, 'xero', 'xero', 'tenant-a');
      await addConnection(b.db, 'bill', 'bill', 'org-1');
      for (const name of ['synced', 'dry', 'fresh']) {
        await b.db.query("insert into links (name, erp_system, erp_connection_id, bill_connection_id) values ($1, 'xero', 'xero', 'bill')", [name]);
      }
      await b.db.query("insert into runs (id, link, kind, status) values ('run_1', 'synced', 'sync', 'succeeded')");
      await b.db.query("insert into runs (id, link, kind, dry_run, status) values ('run_2', 'dry', 'sync', true, 'succeeded')");
    } finally {
      rmSync(before, { recursive: true, force: true });
    }
    assert.deepEqual((await migrate(b.db)).filter((n) => n.startsWith('0004_')).length, 1);
    assert.deepEqual((await listLinks(b.db)).map((l) => [l.name, l.pair]), [['dry', 'xero-bill'], ['fresh', 'xero-bill'], ['synced', 'xero-bill']]);
    assert.deepEqual(await getLinkTenants(b.db, 'synced'), { erpTenantId: 'tenant-a', billOrgId: 'org-1' });
    assert.deepEqual(await getLinkTenants(b.db, 'dry'), { erpTenantId: null, billOrgId: null }, 'a dry run does not pin');
    assert.deepEqual(await getLinkTenants(b.db, 'fresh'), { erpTenantId: null, billOrgId: null });
    await assert.rejects(b.db.query("insert into links (name, erp_system, erp_connection_id, bill_connection_id) values ('no-pair', 'xero', 'xero', 'bill')"), /pair/);
  });
}, { migrate: false });
