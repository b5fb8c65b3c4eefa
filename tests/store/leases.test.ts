import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { tryAcquireLease } from '../../src/store/repos/leases.ts';

forEachBackend('leases', (b) => {
  test('a held lease is refused to another owner, and free again once released or expired', async () => {
    const lease = await tryAcquireLease(b.db, 'link:acme', 60_000);
    assert.ok(lease);
    // Another process's live lease row: refused, not an error.
    await b.db.query(
      `update kv set value = jsonb_build_object('owner', 'elsewhere:1', 'expires', floor(extract(epoch from now()) * 1000)::bigint + 60000) where key = 'lease:link:acme'`,
    );
    assert.equal(await tryAcquireLease(b.db, 'link:acme'), null);
    // The same row once expired (written with a fractional millisecond, as older versions did).
    await b.db.query(
      `update kv set value = jsonb_build_object('owner', 'elsewhere:1', 'expires', extract(epoch from now()) * 1000 - 1000) where key = 'lease:link:acme'`,
    );
    const taken = await tryAcquireLease(b.db, 'link:acme');
    assert.ok(taken);
    await taken.release();
    const { rowCount } = await b.db.query(`select 1 from kv where key = 'lease:link:acme'`);
    assert.equal(rowCount, 0);
  });
});
