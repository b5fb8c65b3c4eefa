/**
 * `mapping suggest|apply` through the real bin on the embedded database, against the Acumatica and
 * BILL emulators: the suggestion reads both systems and writes nothing, a value that is not a
 * subaccount is refused by name with nothing written, and apply writes only the confirmed entries
 * into the link's settings; beside a running serve it does the same through the server's API.
 * Results are read back from the database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { silentLogger } from '../../src/core/log.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { engineDeps } from '../../src/app/engine-deps.ts';
import { startEmulators, type Emulators } from '../../src/emulators/index.ts';
import { connectAcumaticaSandbox } from '../../src/sandbox/connect-acumatica.ts';
import { startServer } from '../../src/server/start.ts';
import { openDatabase } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { getLink } from '../../src/store/repos/links.ts';
import { freshPgliteDataDir } from '../helpers/db.ts';
import { runCli } from './run-cli.ts';

describe('mapping commands (Acumatica ⇄ BILL)', () => {
  let emu: Emulators;
  let dataDir = '';
  const masterKey = randomBytes(32).toString('hex');
  const cli = (...args: string[]) => runCli(args, { ML_CONNECTOR_DATA_DIR: dataDir, ML_CONNECTOR_MASTER_KEY: masterKey });
  /** The embedded database is one process's at a time: it is opened between commands only. */
  const storedMap = async (): Promise<Record<string, string>> => {
    const db = await openDatabase({ dataDir });
    try {
      return ((await getLink(db, 'acu'))!.settings as Record<string, unknown>).subaccountDepartments as Record<string, string>;
    } finally {
      await db.close();
    }
  };

  before(async () => {
    dataDir = await freshPgliteDataDir();
    emu = await startEmulators({ only: ['acumatica', 'bill'], seed: 9 });
    emu.bill!.seed({ seed: 9, vendors: 0, bills: 0 });
    const db = await openDatabase({ dataDir });
    try {
      await migrate(db);
      const box = await openSecretBox({ dataDir, masterKey });
      const rt = { db, box, log: silentLogger, dataDir, deps: engineDeps({ db, box, log: silentLogger }), close: async () => undefined };
      // A poll schedule that cannot fire while the test runs: only the commands start work.
      await connectAcumaticaSandbox(rt, { acumatica: emu.acumatica!, bill: emu.bill! }, { linkName: 'acu', settings: { pollCron: '0 3 29 2 *' } });
    } finally {
      await db.close();
    }
  });
  after(async () => {
    await emu?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('suggest lists every subaccount with its suggestion or none, names those without, and writes nothing', async () => {
    const r = await cli('mapping', 'suggest', '--link', 'acu');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Link 'acu': Acumatica subaccount → BILL department \(setting subaccountDepartments\)$/m);
    assert.match(r.stdout, /^ {2}200010 Sales - Headquarters +→ Sales \(suggested by first segment name\)$/m);
    assert.match(r.stdout, /^ {2}000000 Default - Company-wide +no candidate$/m);
    assert.match(r.stdout, /9 suggested, 0 mapped already, 6 without a suggestion: 000000, 000010, 000020, 100000, 100010, 100020/);
    assert.match(r.stdout, /Confirm with: ml-connector mapping apply --link acu \[--only 200000,200010,200020,…\]/);
    assert.deepEqual(await storedMap(), {});
  });

  test('apply refuses a value that is not a subaccount, then writes only the confirmed entries', async () => {
    const typo = await cli('mapping', 'apply', '--link', 'acu', '--only', '200010,999999');
    assert.equal(typo.code, 2, typo.stderr);
    assert.match(typo.stderr, /--only: no such value: 999999/);
    assert.deepEqual(await storedMap(), {}, 'nothing written by a refused apply');

    const ok = await cli('mapping', 'apply', '--link', 'acu', '--only', '200010, 300000', '--json');
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { link: 'acu', setting: 'subaccountDepartments', written: { '200010': 'Sales', '300000': 'Operations' } });
    assert.deepEqual(await storedMap(), { '200010': 'Sales', '300000': 'Operations' });
  });

  test('beside a running serve, apply reads the suggestions and saves the entries through its API', async () => {
    const db = await openDatabase({ dataDir });
    const box = await openSecretBox({ dataDir, masterKey });
    const rt = { db, box, log: silentLogger, dataDir, deps: engineDeps({ db, box, log: silentLogger }), close: async () => undefined };
    const apiToken = randomBytes(24).toString('base64url');
    const server = await startServer(rt, { role: 'all', host: '127.0.0.1', port: 0, apiToken, stopTimeoutMs: 5000 });
    try {
      const r = await runCli(['mapping', 'apply', '--link', 'acu', '--only', '400010'], { ML_CONNECTOR_DATA_DIR: dataDir, ML_CONNECTOR_API_TOKEN: apiToken, ML_CONNECTOR_SERVER_URL: server.url! });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /link 'acu': 1 entry written to subaccountDepartments:\n {2}400010 +→ Engineering/);
      const settings = (await getLink(db, 'acu'))!.settings as Record<string, unknown>;
      assert.deepEqual(settings.subaccountDepartments, { '200010': 'Sales', '300000': 'Operations', '400010': 'Engineering' });
      assert.equal(settings.cashAccount, '10100', 'the other settings are kept');
    } finally {
      await server.stop();
      await db.close();
    }
  });
});
