import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase, type Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';

/**
 * Runs one node:test suite body against each back-end:
 *  - PGlite in a fresh temporary data directory, and
 *  - PostgreSQL in a fresh database (`CREATE DATABASE mlc_<random>`) on the server named by
 *    MLC_TEST_DATABASE_URL, which scripts/run-tests.mjs starts for the run.
 * Without MLC_TEST_DATABASE_URL the PostgreSQL suite is skipped with the reason shown, except
 * under CI=true, where it fails: CI must never pass on half the back-ends.
 *
 * A fresh PGlite initdb costs 4–6 s and ~800 MB RSS, so it runs once per machine: the data
 * directory it produces is kept as a template in the OS temp dir, keyed by PGlite version
 * (written to a staging directory and renamed into place, so concurrent test processes never see
 * a half-built template). Each suite copies the template (measured here: copy ~0.6–1.1 s + open
 * 0.25–0.5 s, against 1.3–1.7 s for PGlite.create({ loadDataDir }) into a directory).
 */
export interface BackendUnderTest {
  readonly kind: 'pglite' | 'postgres';
  /** The opened (and, unless disabled, migrated) database; available once the suite's hooks ran. */
  readonly db: Db;
  /** A private temporary directory: PGlite's data dir, and a scratch dir on PostgreSQL too. */
  readonly dataDir: string;
  /** PostgreSQL only: the URL of this suite's database (a second pool stands in for a second process). */
  readonly databaseUrl: string | undefined;
}

export interface ForEachBackendOptions {
  /** Apply migrations before the body runs (default true). */
  migrate?: boolean;
}

const timings = process.env.MLC_TEST_TIMINGS === '1';
const note = (what: string, started: number) => {
  if (timings) process.stderr.write(`[timing] ${what}: ${Math.round(performance.now() - started)} ms\n`);
};

export function forEachBackend(name: string, body: (b: BackendUnderTest) => void, options: ForEachBackendOptions = {}): void {
  describe(`${name} [pglite]`, () => {
    const state = suiteState('pglite');
    before(async () => {
      await pgliteTemplate();
      let started = performance.now();
      state.dataDir = await freshPgliteDataDir();
      note('pglite suite db: copy template', started);
      started = performance.now();
      state.db = await openDatabase({ dataDir: state.dataDir });
      note('pglite suite db: open', started);
      if (options.migrate !== false) await migrate(state.db);
    });
    after(async () => {
      await state.db?.close();
      if (state.dataDir) rmSync(state.dataDir, { recursive: true, force: true });
    });
    body(state.handle);
  });

  const serverUrl = process.env.MLC_TEST_DATABASE_URL;
  if (!serverUrl) {
    const reason = 'MLC_TEST_DATABASE_URL is not set (run through `npm test`, which starts a throwaway PostgreSQL server)';
    if (process.env.CI === 'true') {
      describe(`${name} [postgres]`, () => {
        test('PostgreSQL is available', () => assert.fail(`${reason}; under CI=true the PostgreSQL half must run`));
      });
    } else {
      // A skipped test (not a skipped suite) so the reason also shows in the run's skip count.
      describe(`${name} [postgres]`, () => {
        test('PostgreSQL back-end', { skip: reason }, () => undefined);
      });
    }
    return;
  }

  describe(`${name} [postgres]`, () => {
    const state = suiteState('postgres');
    let drop: (() => Promise<void>) | null = null;
    before(async () => {
      state.dataDir = mkdtempSync(join(tmpdir(), 'mlc-test-'));
      const started = performance.now();
      const scratch = await createScratchDatabase(serverUrl);
      drop = scratch.drop;
      state.databaseUrl = scratch.url;
      state.db = await openDatabase({ databaseUrl: state.databaseUrl });
      note('postgres suite db (create database + open)', started);
      if (options.migrate !== false) await migrate(state.db);
    });
    after(async () => {
      await state.db?.close();
      await drop?.();
      if (state.dataDir) rmSync(state.dataDir, { recursive: true, force: true });
    });
    body(state.handle);
  });
}

function suiteState(kind: 'pglite' | 'postgres') {
  const state = {
    db: undefined as Db | undefined,
    dataDir: undefined as string | undefined,
    databaseUrl: undefined as string | undefined,
    handle: undefined as unknown as BackendUnderTest,
  };
  state.handle = {
    kind,
    get db(): Db {
      if (!state.db) throw new Error('the database is opened in a before() hook: use it inside tests');
      return state.db;
    },
    get dataDir(): string {
      if (!state.dataDir) throw new Error('the data directory is created in a before() hook: use it inside tests');
      return state.dataDir;
    },
    get databaseUrl(): string | undefined {
      return state.databaseUrl;
    },
  };
  return state;
}

/**
 * A fresh database on the test server (`CREATE DATABASE <prefix>_<random>`), for suites that open
 * it themselves or hand its URL to a child process; `drop()` removes it even with sessions open.
 */
export async function createScratchDatabase(serverUrl: string, prefix = 'mlc'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Runs one statement on the server's maintenance database (CREATE/DROP DATABASE cannot run in a pool transaction). */
async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let templatePromise: Promise<string> | undefined;

/** The PGlite template data directory, built once per machine and PGlite version. */
export function pgliteTemplate(): Promise<string> {
  templatePromise ??= buildTemplate();
  return templatePromise;
}

function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  // The package's exports map hides package.json; find it next to the resolved entry point.
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

async function buildTemplate(): Promise<string> {
  const dir = join(tmpdir(), `mlc-pglite-template-${pgliteVersion()}`);
  if (existsSync(join(dir, 'PG_VERSION'))) return dir;
  const started = performance.now();
  const staging = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const db = await PGlite.create(staging);
  await db.close();
  try {
    renameSync(staging, dir);
  } catch {
    // Another test process finished first; its template is as good as ours.
    rmSync(staging, { recursive: true, force: true });
  }
  note('pglite template (initdb)', started);
  return dir;
}

/** A fresh PGlite data directory copied from the template (not opened); the caller removes it. */
export async function freshPgliteDataDir(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mlc-test-'));
  cpSync(await pgliteTemplate(), join(dataDir, 'pglite'), { recursive: true });
  return dataDir;
}
