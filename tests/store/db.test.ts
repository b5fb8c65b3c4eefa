import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { openDatabase, TransactionMisuseError, type Db } from '../../src/store/db.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

forEachBackend('db', (b) => {
  test('returns the same JavaScript types on both back-ends', async () => {
    const { rows } = await b.db.query<Record<string, unknown>>(
      `select count(*) as n, count(*)::int as n4, 9007199254740991::int8 as max_safe, '2026-03-31'::date as due,
              '12.34'::numeric as amount, '{"a":[1,2]}'::jsonb as j, '2026-01-02T03:04:05Z'::timestamptz as at,
              array[1,2]::int8[] as ids`,
    );
    assert.deepEqual(rows[0], {
      n: 1,
      n4: 1,
      max_safe: 9007199254740991,
      due: '2026-03-31',
      amount: '12.34',
      j: { a: [1, 2] },
      at: new Date('2026-01-02T03:04:05Z'),
      ids: [1, 2],
    });
  });

  test('refuses to round an int8 beyond 2^53 and reads it exactly as text', async () => {
    await assert.rejects(b.db.query('select 9007199254740993::int8 as v'), /beyond ±2\^53/);
    const { rows } = await b.db.query<{ v: string }>('select 9007199254740993::int8::text as v');
    assert.equal(BigInt(rows[0]!.v), 9007199254740993n);
  });

  test('takes jsonb parameters as JSON text and reports rowCount for DML and SELECT', async () => {
    await b.db.query(`insert into kv (key, value) values ($1, $2::jsonb), ($3, $4::jsonb)`, ['t:a', JSON.stringify([1, 2]), 't:b', JSON.stringify({ x: 'y' })]);
    const upd = await b.db.query(`update kv set updated_at = now() where key like 't:%'`);
    assert.equal(upd.rowCount, 2);
    const sel = await b.db.query<{ value: unknown }>(`select value from kv where key like 't:%' order by key`);
    assert.equal(sel.rowCount, 2);
    assert.deepEqual(sel.rows.map((r) => r.value), [[1, 2], { x: 'y' }]);
  });

  test('a transaction commits when its callback resolves', async () => {
    const out = await b.db.transaction(async (tx) => {
      await tx.query(`insert into kv (key, value) values ('tx:commit', '1')`);
      return 'done';
    });
    assert.equal(out, 'done');
    const { rowCount } = await b.db.query(`select 1 from kv where key = 'tx:commit'`);
    assert.equal(rowCount, 1);
  });

  test('a transaction rolls back everything when its callback throws, nested calls included', async () => {
    await assert.rejects(
      b.db.transaction(async (tx) => {
        await tx.query(`insert into kv (key, value) values ('tx:outer', '1')`);
        await tx.transaction(async (inner) => {
          await inner.query(`insert into kv (key, value) values ('tx:inner', '1')`);
        });
        throw new Error('boom');
      }),
      /boom/,
    );
    const { rowCount } = await b.db.query(`select 1 from kv where key in ('tx:outer', 'tx:inner')`);
    assert.equal(rowCount, 0);
  });

  test('a failed statement rolls the transaction back and keeps its SQLSTATE code', async () => {
    await assert.rejects(
      b.db.transaction(async (tx) => {
        await tx.query(`insert into kv (key, value) values ('tx:dup', '1')`);
        await tx.query(`insert into kv (key, value) values ('tx:dup', '2')`);
      }),
      (e: { code?: string }) => e.code === '23505',
    );
    const { rowCount } = await b.db.query(`select 1 from kv where key = 'tx:dup'`);
    assert.equal(rowCount, 0);
  });

  test('the parent handle refuses queries inside its own transaction instead of deadlocking', async () => {
    await assert.rejects(
      b.db.transaction(async () => {
        await b.db.query('select 1');
      }),
      TransactionMisuseError,
    );
    // Work started inside a transaction that outlives it is not mistaken for being inside it.
    let later: Promise<unknown> = Promise.resolve();
    await b.db.transaction(async () => {
      later = sleep(20).then(() => b.db.query('select 1'));
    });
    await later;
  });

  test('withLock serialises holders of the same key and lets other keys through', async () => {
    // On PostgreSQL the second holder uses its own pool, as a second process would.
    const other: Db = b.databaseUrl ? await openDatabase({ databaseUrl: b.databaseUrl }) : b.db;
    try {
      const events: string[] = [];
      const hold = (db: Db, key: string, label: string) =>
        db.withLock(key, async (tx) => {
          events.push(`${label}:in`);
          await tx.query('select 1');
          await sleep(150);
          events.push(`${label}:out`);
        });
      await Promise.all([hold(b.db, 'lock:a', 'first'), sleep(20).then(() => hold(other, 'lock:a', 'second'))]);
      assert.deepEqual(events, ['first:in', 'first:out', 'second:in', 'second:out']);

      if (b.kind === 'postgres') {
        events.length = 0;
        await Promise.all([hold(b.db, 'lock:x', 'x'), sleep(20).then(() => hold(other, 'lock:y', 'y'))]);
        assert.deepEqual(events.slice(0, 2), ['x:in', 'y:in'], 'different keys do not wait for each other');
      }
    } finally {
      if (other !== b.db) await other.close();
    }
  });

  test('id_map enforces one row per source and one source per target', async () => {
    const row = (sourceId: string, targetId: string | null) =>
      b.db.query(
        `insert into id_map (link, entity, source_system, source_id, target_system, target_id, state, match_key)
         values ('l1', 'vendor', 'xero', $1, 'bill', $2, $3, $4)`,
        [sourceId, targetId, targetId ? 'linked' : 'intent', `name:${sourceId}`],
      );
    await row('s1', 't1');
    await assert.rejects(row('s1', 't9'), (e: { code?: string }) => e.code === '23505');
    await assert.rejects(row('s2', 't1'), (e: { code?: string }) => e.code === '23505');
    await row('s3', null);
    await row('s4', null);
    await b.db.query(
      `insert into id_map (link, entity, source_system, source_id, target_system, target_id, state)
       values ('l2', 'vendor', 'xero', 's1', 'bill', 't1', 'linked')`,
    );
    await assert.rejects(
      b.db.query(`insert into id_map (link, entity, source_system, source_id, target_system, state) values ('l1', 'vendor', 'xero', 's5', 'bill', 'maybe')`),
      (e: { code?: string }) => e.code === '23514',
    );
    const { rows } = await b.db.query<{ n: number }>(`select count(*)::int as n from id_map where link = 'l1'`);
    assert.equal(rows[0]!.n, 3);
  });
});
