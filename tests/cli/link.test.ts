/**
 * `link create|update|list` through the real bin on the embedded database: a link carries its pair
 * (given with --pair, or the one its ERP forms with BILL), and a link pinned to the tenants it
 * synced with refuses a connection to another tenant. Results are read back from the database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { openDatabase, type Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { getLink, getLinkTenants, pinLinkTenants } from '../../src/store/repos/links.ts';
import { freshPgliteDataDir } from '../helpers/db.ts';
import { runCli } from './run-cli.ts';

describe('link commands: pairs and pinned tenants', () => {
  let dataDir = '';
  const cli = (...args: string[]) => runCli(args, { ML_CONNECTOR_DATA_DIR: dataDir });
  /** The embedded database is one process's at a time: open it between commands only. */
  const withDb = async <T>(fn: (db: Db) => Promise<T>): Promise<T> => {
    const db = await openDatabase({ dataDir });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };

  before(async () => {
    dataDir = await freshPgliteDataDir();
    await withDb(async (db) => {
      await migrate(db);
      // Connections as `connect` stores them, without credentials: links only name them.
      for (const [id, system, tenant] of [['xero', 'xero', 'tenant-a'], ['xero-same', 'xero', 'tenant-a'], ['xero-other', 'xero', 'tenant-b'], ['bill', 'bill', 'org-1'], ['bill-other', 'bill', 'org-2']]) {
        await db.query('insert into connections (id, system, tenant_id) values ($1, $2, $3)', [id, system, tenant]);
      }
    });
  });
  after(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('create takes --pair, which must be a pair and agree with the ERP connection', async () => {
    const wrong = await cli('link', 'create', '--name', 'main', '--erp', 'xero', '--bill', 'bill', '--pair', 'bill-qbo');
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /--pair 'bill-qbo' does not run xero links .*'xero-bill'/);
    const unknown = await cli('link', 'create', '--name', 'main', '--erp', 'xero', '--bill', 'bill', '--pair', 'xero-qbo');
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /--pair 'xero-qbo' is not a pair \(known: xero-bill, acumatica-bill, bill-qbo\)/);

    // Created now (so the refusals above created nothing).
    const given = await cli('link', 'create', '--name', 'main', '--erp', 'xero', '--bill', 'bill', '--pair', 'xero-bill', '--json');
    assert.equal(given.code, 0, given.stderr);
    assert.equal(JSON.parse(given.stdout).pair, 'xero-bill');
    const defaulted = await cli('link', 'create', '--name', 'second', '--erp', 'xero-other', '--bill', 'bill-other');
    assert.equal(defaulted.code, 0, defaulted.stderr);
    assert.match(defaulted.stdout, /link 'second' created: xero-bill, xero xero-other ⇄ bill bill-other/);

    const list = await cli('link', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^main\s+xero-bill\s+xero:xero\s+bill:bill\s/m);
    assert.match(list.stdout, /^second\s+xero-bill\s+xero:xero-other\s+bill:bill-other\s/m);
  });

  test('a link that has not synced may move to a connection of another tenant', async () => {
    const moved = await cli('link', 'update', '--name', 'second', '--erp', 'xero', '--bill', 'bill');
    assert.equal(moved.code, 0, moved.stderr);
  });

  test('a pinned link refuses a connection to another tenant, naming the link and both tenants', async () => {
    const second = await withDb(async (db) => {
      await pinLinkTenants(db, 'main', { erpTenantId: 'tenant-a', billOrgId: 'org-1' });
      return getLink(db, 'second');
    });
    assert.deepEqual([second?.erpConnectionId, second?.billConnectionId], ['xero', 'bill'], 'the unpinned link moved');
    const erp = await cli('link', 'update', '--name', 'main', '--erp', 'xero-other', '--account-policy', 'error');
    assert.equal(erp.code, 2, erp.stderr);
    assert.match(erp.stderr, /--erp: link 'main' synced with ERP tenant 'tenant-a' .*ERP connection 'xero-other' reaches ERP tenant 'tenant-b'/);
    const bill = await cli('link', 'update', '--name', 'main', '--bill', 'bill-other');
    assert.equal(bill.code, 2, bill.stderr);
    assert.match(bill.stderr, /--bill: link 'main' synced with BILL organisation 'org-1' .*BILL connection 'bill-other' reaches BILL organisation 'org-2'/);
    const stored = await withDb(async (db) => ({ link: await getLink(db, 'main'), tenants: await getLinkTenants(db, 'main') }));
    assert.deepEqual([stored.link?.erpConnectionId, stored.link?.billConnectionId, stored.link?.settings.accountPolicy], ['xero', 'bill', 'create'], 'nothing was changed');
    assert.deepEqual(stored.tenants, { erpTenantId: 'tenant-a', billOrgId: 'org-1' });
  });

  test('a pinned link may move to another connection of the same tenant, and change its settings', async () => {
    const moved = await cli('link', 'update', '--name', 'main', '--erp', 'xero-same', '--account-policy', 'error', '--json');
    assert.equal(moved.code, 0, moved.stderr);
    assert.deepEqual([JSON.parse(moved.stdout).erpConnectionId, JSON.parse(moved.stdout).pair], ['xero-same', 'xero-bill']);
    assert.equal((await withDb((db) => getLink(db, 'main')))?.settings.accountPolicy, 'error');
  });

  test('--setting sets any setting of the pair, JSON objects as JSON and codes as text; a setting the pair lacks is refused by name', async () => {
    const set = await cli('link', 'update', '--name', 'main', '--setting', 'paymentAccount={"code":"090"}', '--setting', 'departmentCategory=Region', '--json');
    assert.equal(set.code, 0, set.stderr);
    const saved = (await withDb((db) => getLink(db, 'main')))?.settings;
    assert.deepEqual([saved?.paymentAccount, saved?.departmentCategory], [{ code: '090' }, 'Region']);
    const unknown = await cli('link', 'update', '--name', 'main', '--setting', 'cashAccount=10100');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /cashAccount/);
    const broken = await cli('link', 'update', '--name', 'main', '--setting', 'paymentAccount={"code":');
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /--setting paymentAccount: the value is not valid JSON/);
  });
});
