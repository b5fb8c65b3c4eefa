import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freshPgliteDataDir } from '../helpers/db.ts';
import { openDatabase } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';

const child = join(dirname(fileURLToPath(import.meta.url)), '../helpers/open-db-child.ts');
const run = promisify(execFile);

/** Opens dataDir in another Node process and reports what it saw. */
async function openInChild(dataDir: string, ...flags: string[]): Promise<{ opened: boolean; message?: string; pid?: number; kvRows?: number }> {
  const out = await run(process.execPath, ['--import', 'tsx', child, dataDir, ...flags]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}');
}

/** A pid that certainly belongs to no running process: one that has just exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('PGlite data-directory lock', () => {
  let dataDir = '';
  before(async () => {
    dataDir = await freshPgliteDataDir();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('a second process is refused while the first holds the directory', async () => {
    const db = await openDatabase({ dataDir });
    try {
      await migrate(db);
      assert.equal(readFileSync(join(dataDir, 'pglite.lock'), 'utf8').trim(), String(process.pid));
      const seen = await openInChild(dataDir);
      assert.equal(seen.opened, false);
      assert.equal(
        seen.message,
        `data directory is in use by process ${process.pid}; stop it or set DATABASE_URL to share a PostgreSQL server`,
      );
    } finally {
      await db.close();
    }
    assert.equal(existsSync(join(dataDir, 'pglite.lock')), false, 'close() removes the lock');
  });

  test('the same process cannot open the directory twice either', async () => {
    const db = await openDatabase({ dataDir });
    try {
      await assert.rejects(openDatabase({ dataDir }), /in use by this process/);
    } finally {
      await db.close();
    }
  });

  test('after the holder closes, another process opens it and sees the data', async () => {
    const db = await openDatabase({ dataDir });
    await db.query(`insert into kv (key, value) values ('lock:test', '1')`);
    await db.close();
    const seen = await openInChild(dataDir);
    assert.equal(seen.opened, true);
    assert.equal(seen.kvRows, 1);
    assert.equal(existsSync(join(dataDir, 'pglite.lock')), false, 'the child removed its lock on close');
  });

  test('a process that exits without closing removes its lock on the way out', async () => {
    const seen = await openInChild(dataDir, '--exit');
    assert.equal(seen.opened, true);
    assert.equal(existsSync(join(dataDir, 'pglite.lock')), false);
  });

  test('a lock left by a process that no longer exists is taken over', async () => {
    const stale = deadPid();
    writeFileSync(join(dataDir, 'pglite.lock'), `${stale}\n`);
    const db = await openDatabase({ dataDir });
    try {
      assert.equal(readFileSync(join(dataDir, 'pglite.lock'), 'utf8').trim(), String(process.pid));
    } finally {
      await db.close();
    }
  });

  test('a lock file left empty by a crash mid-write is taken over', async () => {
    writeFileSync(join(dataDir, 'pglite.lock'), '');
    const db = await openDatabase({ dataDir });
    await db.close();
  });
});
