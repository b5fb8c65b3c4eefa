import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forEachBackend } from '../helpers/db.ts';
import { migrate, readMigrations } from '../../src/store/migrate.ts';
import { openDatabase, DatabaseError } from '../../src/store/db.ts';

const shipped = join(dirname(fileURLToPath(import.meta.url)), '../../src/store/migrations');

/** A private copy of the shipped migrations that a test may extend or edit. */
function migrationsCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlc-migrations-'));
  cpSync(shipped, dir, { recursive: true });
  return dir;
}

const tables = ['kv', 'connections', 'links', 'id_map', 'cursors', 'records', 'audit_events', 'runs', 'webhook_events'];

forEachBackend('migrations', (b) => {
  test('apply every shipped file once, creating the schema', async () => {
    const applied = await migrate(b.db);
    assert.deepEqual(applied, readMigrations().map((m) => m.name));
    const { rows } = await b.db.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    for (const t of tables) assert.ok(rows.some((r) => r.table_name === t), `table ${t} exists`);
  });

  test('are idempotent: a second run applies nothing', async () => {
    assert.deepEqual(await migrate(b.db), []);
    const { rows } = await b.db.query<{ n: number }>('select count(*)::int as n from schema_migrations');
    assert.equal(rows[0]!.n, readdirSync(shipped).filter((f) => f.endsWith('.sql')).length);
  });

  test('apply a new file in order, and roll it back whole when it fails', async () => {
    const dir = migrationsCopy();
    try {
      writeFileSync(join(dir, '9001_extra.sql'), 'create table extra_a (id int);\ncreate table extra_b (id int);\n');
      writeFileSync(join(dir, '9002_broken.sql'), 'create table extra_c (id int);\nselect * from no_such_table;\n');
      await assert.rejects(migrate(b.db, { folder: dir }), (e: Error) => e instanceof DatabaseError && /9002_broken\.sql failed/.test(e.message));
      const none = await b.db.query(`select 1 from information_schema.tables where table_name in ('extra_a', 'extra_c')`);
      assert.equal(none.rowCount, 0, 'nothing of the failed run remains');
      rmSync(join(dir, '9002_broken.sql'));
      assert.deepEqual(await migrate(b.db, { folder: dir }), ['9001_extra.sql']);
      const some = await b.db.query(`select 1 from information_schema.tables where table_name in ('extra_a', 'extra_b')`);
      assert.equal(some.rowCount, 2);
    } finally {
      await b.db.exec(`drop table if exists extra_a; drop table if exists extra_b; delete from schema_migrations where name like '900%'`);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('refuse a file changed after it was applied', async () => {
    const dir = migrationsCopy();
    try {
      appendFileSync(join(dir, '0001_init.sql'), '\n-- an innocent-looking edit\n');
      await assert.rejects(migrate(b.db, { folder: dir }), /0001_init\.sql was changed after it was applied/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('refuse a database migrated by a newer version', async () => {
    await b.db.query(`insert into schema_migrations (name, checksum) values ('9999_future.sql', 'x')`);
    try {
      await assert.rejects(migrate(b.db), /9999_future\.sql.*newer ml-connector/);
    } finally {
      await b.db.query(`delete from schema_migrations where name = '9999_future.sql'`);
    }
  });

  test('CRLF line endings hash like LF, so a Windows checkout is not a changed file', () => {
    const dir = migrationsCopy();
    try {
      const lf = readMigrations(dir)[0]!;
      writeFileSync(join(dir, lf.name), lf.sql.replace(/\n/g, '\r\n'));
      assert.equal(readMigrations(dir)[0]!.checksum, lf.checksum);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}, { migrate: false });

forEachBackend('concurrent migrations', (b) => {
  test('two migrations of one empty database at once apply each file exactly once', async () => {
    // On PostgreSQL the second runs on its own pool, as a second process would; PGlite has one
    // connection, so there the race is between two callers in the same process.
    const second = b.databaseUrl ? await openDatabase({ databaseUrl: b.databaseUrl }) : b.db;
    try {
      const [x, y] = await Promise.all([migrate(b.db), migrate(second)]);
      const all = readMigrations().map((m) => m.name);
      assert.deepEqual([...x, ...y].sort(), all, 'each file applied by exactly one of the two');
      const { rows } = await b.db.query<{ n: number }>('select count(*)::int as n from schema_migrations');
      assert.equal(rows[0]!.n, all.length);
    } finally {
      if (second !== b.db) await second.close();
    }
  });
}, { migrate: false });
