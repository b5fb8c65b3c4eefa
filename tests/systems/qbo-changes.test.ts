/**
 * The QBO change feed (src/systems/qbo/changes.ts) over the emulator: CDC for a recent time, one
 * call for every entity; queries by MetaData.LastUpdatedTime past CDC's 30 days or once CDC answers
 * its 1000 objects, paged with overlapping pages; deletions from the narrowest recent CDC window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startQboEmulator } from '../../src/emulators/qbo/index.ts';
import { MemoryCredentialStore } from '../../src/systems/memory-credential-store.ts';
import { QboOAuth, type QboCredentials, type QboUrls } from '../../src/systems/qbo/auth.ts';
import { qboChangeFeed } from '../../src/systems/qbo/changes.ts';
import { createQboClient } from '../../src/systems/qbo/client.ts';

const REDIRECT_URI = 'http://127.0.0.1:4999/oauth/qbo/callback';
const fastRetries = { maxAttempts: 4, maxRateLimitAttempts: 6, baseDelayMs: 1, maxDelayMs: 5, maxWaitMs: 1000 };
const minute = 60_000;

test('QBO change feed over the emulator', async (t) => {
  const emu = await startQboEmulator({});
  t.after(() => emu.stop());
  // More than CDC's 1000 objects in all, and more Bills than one query page holds.
  emu.seed({ seed: 5, vendors: 300, bills: 1200 });
  const base = emu.urls.base;
  const urls: QboUrls = { api: base, appcenter: base, oauth: base, revoke: base };
  const { clientId, clientSecret } = emu.sandbox;
  const oauth = new QboOAuth({ clientId, clientSecret, urls });
  const { url, state } = oauth.buildAuthorizeUrl({ redirectUri: REDIRECT_URI });
  const callback = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
  const credentials = await oauth.exchangeCode({ code: callback.searchParams.get('code')!, state: callback.searchParams.get('state'), expectedState: state, redirectUri: REDIRECT_URI, realmId: callback.searchParams.get('realmId')! });
  const company = createQboClient({ clientId, clientSecret, credentials: new MemoryCredentialStore<QboCredentials>(credentials), urls, retryPolicy: fastRetries }).forRealm(credentials.realmId!);
  const realm = emu.state.realms.get(credentials.realmId!)!;
  const ids = (entity: 'Vendor' | 'Bill') => [...realm.table(entity).values()].map((r) => (r.data as { Id: string }).Id).sort();
  // The feed reads time as the emulator's clock does, which the test moves forward.
  const feed = qboChangeFeed(company, { vendor: 'Vendor', bill: 'Bill' }, () => emu.ctx.clock.now());
  const calls = () => ({ ...emu.ctx.stats.snapshot().callsByEndpoint });
  const delta = (before: Record<string, number>, endpoint: string) => (emu.ctx.stats.snapshot().callsByEndpoint[endpoint] ?? 0) - (before[endpoint] ?? 0);
  const cdc = 'GET /v3/company/:realmId/cdc';
  const query = 'GET /v3/company/:realmId/query';
  const seededAt = emu.ctx.clock.now();

  // A Bill deleted 40 minutes after the seed, and a vendor edited then.
  emu.ctx.clock.advance(40 * minute);
  const doomed = [...realm.table('Bill').values()][7]!.data as { Id: string; SyncToken: string };
  const edit = async (body: unknown) => {
    const r = await fetch(`${base}/_emulator/user-edit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.ok(r.ok, await r.text());
  };
  await edit({ entity: 'Bill', operation: 'delete', record: { Id: doomed.Id, SyncToken: doomed.SyncToken } });
  const vendor = [...realm.table('Vendor').values()][3]!.data as { Id: string };
  await edit({ entity: 'Vendor', operation: 'update', record: { Id: vendor.Id, CompanyName: 'Edited in QBO' } });

  await t.test('a recent time is one CDC call for both entities, deletions included', async () => {
    const before = calls();
    const changes = await feed.changedSince(['vendor', 'bill'], new Date(emu.ctx.clock.now() - 10 * minute));
    assert.equal(changes.via, 'cdc');
    assert.equal(delta(before, cdc), 1);
    assert.equal(delta(before, query), 0);
    assert.deepEqual(changes.records.map((c) => [c.entity, c.id, c.deleted]).sort(), [['bill', doomed.Id, true], ['vendor', vendor.Id, false]].sort());
    assert.equal(changes.records.find((c) => c.deleted)!.version, 'deleted');
    assert.equal(changes.records.find((c) => !c.deleted)!.version, '1', 'a live record is versioned by its SyncToken');
  });

  await t.test('past CDC\'s cap every record is listed by query in overlapping pages, and deletions come from a narrower CDC window', async () => {
    const before = calls();
    const changes = await feed.changedSince(['vendor', 'bill'], new Date(seededAt - 5 * minute));
    assert.equal(changes.via, 'query');
    const listed = (entity: string) => changes.records.filter((c) => c.entity === entity && !c.deleted).map((c) => c.id).sort();
    assert.deepEqual(listed('vendor'), ids('Vendor'));
    assert.deepEqual(listed('bill'), ids('Bill'), 'every Bill once, across two pages');
    assert.equal(changes.records.filter((c) => c.id === doomed.Id && c.entity === 'bill').length, 1);
    assert.ok(changes.records.some((c) => c.id === doomed.Id && c.deleted), 'the deletion is seen');
    // The capped CDC, one narrower that answers in full; one Vendor page and two Bill pages.
    assert.equal(delta(before, cdc), 2);
    assert.equal(delta(before, query), 3);
  });

  await t.test('a time older than 30 days, or none, is listed by query; CDC is only asked within its window', async () => {
    for (const since of [new Date(emu.ctx.clock.now() - 40 * 24 * 60 * minute), null]) {
      const changes = await feed.changedSince(['vendor', 'bill'], since);
      assert.equal(changes.via, 'query');
      assert.equal(changes.records.filter((c) => c.entity === 'vendor').length, ids('Vendor').length);
      assert.ok(changes.records.some((c) => c.id === doomed.Id && c.deleted));
    }
  });

  await t.test('an entity without a QBO counterpart is refused by name', async () => {
    await assert.rejects(feed.changedSince(['payment'], null), /no change listing for 'payment'/);
  });
});
