/**
 * The done-when: two worker processes (`ml-connector serve --role worker`, as child
 * processes) sharing one PostgreSQL sync one link together. Jobs for the link carry its BILL
 * organisation's singleton key, so one runs at a time across both processes; the emulators must
 * see zero limit violations and BILL must hold exactly one bill per eligible Xero bill.
 * PostgreSQL only: the embedded database serves a single process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/core/log.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { engineDeps } from '../../src/app/engine-deps.ts';
import { startEmulators, type Emulators } from '../../src/emulators/index.ts';
import { connectSandbox, type SandboxLink } from '../../src/sandbox/connect.ts';
import { linkJobKey, linkWorkJob, type LinkWork } from '../../src/server/contract.ts';
import { startQueue, type Queue } from '../../src/store/queue.ts';
import { accpay, billFor, eligible } from '../engine/ledger-views.ts';
import { control, type Json } from '../engine/sandbox-fixture.ts';
import { forEachBackend } from '../helpers/db.ts';
import { testToken } from './server-fixture.ts';

const bin = fileURLToPath(new URL('../../bin/ml-connector.js', import.meta.url));

interface Worker {
  child: ChildProcess;
  pid: number;
  stderr: string[];
}

forEachBackend('two worker processes on one PostgreSQL', (backend) => {
  if (backend.kind === 'pglite') {
    test('worker processes', { skip: 'the embedded database serves one process; --role worker needs PostgreSQL' }, () => undefined);
    return;
  }
  let emulators: Emulators;
  let linked: SandboxLink;
  let queue: Queue;
  const workers: Worker[] = [];
  const masterKey = randomBytes(32).toString('hex');

  const startWorker = async (n: number): Promise<Worker> => {
    const dataDir = join(backend.dataDir, `worker-${n}`);
    mkdirSync(dataDir, { recursive: true });
    const child = spawn(process.execPath, [bin, 'serve', '--role', 'worker', '--concurrency', '2'], {
      env: { ...process.env, DATABASE_URL: backend.databaseUrl, ML_CONNECTOR_MASTER_KEY: masterKey, ML_CONNECTOR_DATA_DIR: dataDir, ML_CONNECTOR_API_TOKEN: testToken, ML_CONNECTOR_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderr: string[] = [];
    child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
    let out = '';
    const ready = await new Promise<Json>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`worker ${n} exited with ${code} before it was ready: ${stderr.join('')}`)));
    });
    assert.deepEqual([ready.ready, ready.role, ready.url], [true, 'worker', null]);
    return { child, pid: ready.pid as number, stderr };
  };

  const stopWorker = async (w: Worker): Promise<number | null> => {
    if (w.child.exitCode !== null) return w.child.exitCode;
    const exited = once(w.child, 'exit');
    w.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return code;
  };

  const send = async (work: LinkWork): Promise<string> => {
    const id = await queue.send(linkWorkJob, work, { singletonKey: linkJobKey(linked.billOrgId) });
    assert.ok(id);
    return id;
  };

  const waitAll = async (ids: readonly string[], timeoutMs = 120_000): Promise<Json[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const jobs = await Promise.all(ids.map((id) => queue.boss.getJobById<unknown>(linkWorkJob.name, id)));
      if (jobs.every((j) => j && ['completed', 'failed', 'cancelled'].includes(j.state))) return jobs;
      if (Date.now() > deadline) throw new Error(`jobs still running: ${jobs.map((j) => j?.state).join(', ')}; worker logs: ${workers.map((w) => w.stderr.join('')).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  before(async () => {
    emulators = await startEmulators({ only: ['xero', 'bill'], seed: 11 });
    await control(emulators.xero!.urls.base, 'POST', '/seed', { seed: 11, suppliers: 8, bills: 40 });
    await control(emulators.bill!.urls.base, 'POST', '/seed', { seed: 11, vendors: 0, bills: 0 });
    const db = backend.db;
    const box = await openSecretBox({ dataDir: backend.dataDir, masterKey });
    const rt: Runtime = { db, box, log: silentLogger, dataDir: backend.dataDir, deps: engineDeps({ db, box, log: silentLogger }), close: async () => undefined };
    linked = await connectSandbox(rt, emulators, { linkName: 'main' });
    queue = await startQueue(db, { jobs: [linkWorkJob] });
    workers.push(await startWorker(1), await startWorker(2));
  });
  after(async () => {
    for (const w of workers) await stopWorker(w).catch(() => undefined);
    await queue?.stop({ timeoutMs: 5000 });
    await emulators?.stop();
  });

  test('they sync one link together: every job done, zero limit violations, exactly one BILL bill per Xero bill', async () => {
    const xeroBefore = (await control(emulators.xero!.urls.base, 'GET', '/state')).tenants.find((t: Json) => t.tenantId === linked.xeroTenantId);
    const ids = accpay(xeroBefore).filter(eligible).map((i: Json) => i.InvoiceID as string);
    assert.ok(ids.length >= 10, `${ids.length} eligible bills`);
    // A delta sync, webhook-style follow-ups for the same bills in chunks, and a second sync: all
    // overlap on the same records, which must still end with one BILL bill each.
    const jobIds = [await send({ kind: 'sync', link: 'main', reason: 'manual' })];
    for (let i = 0; i < ids.length; i += Math.ceil(ids.length / 4)) jobIds.push(await send({ kind: 'records', link: 'main', system: 'xero', entity: 'bill', ids: ids.slice(i, i + Math.ceil(ids.length / 4)) }));
    jobIds.push(await send({ kind: 'sync', link: 'main', reason: 'catch-up' }));
    const jobs = await waitAll(jobIds);
    for (const j of jobs) assert.equal(j.state, 'completed', JSON.stringify(j.output));
    const pids = new Set(jobs.map((j) => j.output.pid as number));
    for (const pid of pids) assert.ok(workers.some((w) => w.pid === pid), `job ran in worker ${pid}`);

    const [xeroStats, billStats] = await Promise.all([control(emulators.xero!.urls.base, 'GET', '/stats'), control(emulators.bill!.urls.base, 'GET', '/stats')]);
    assert.equal(xeroStats.limitViolations, 0);
    assert.equal(billStats.limitViolations, 0);
    assert.deepEqual([xeroStats.rejections, billStats.rejections], [{}, {}], 'no call was refused for a limit');
    assert.ok((billStats.maxInFlight['bill:' + linked.billOrgId] ?? 0) <= 3);

    const org = (await control(emulators.bill!.urls.base, 'GET', '/state')).organizations.find((o: Json) => o.id === linked.billOrgId);
    for (const id of ids) assert.equal(billFor(org, id).length, 1, `one BILL bill for ${id}`);
    const names = org.vendors.map((v: Json) => v.name.toLowerCase());
    assert.equal(new Set(names).size, names.length, 'no vendor twice');
    const targets = await backend.db.query<{ target_id: string }>("select target_id from id_map where link = 'main' and entity = 'bill' and state = 'linked'");
    assert.equal(targets.rows.length, ids.length);

    // Each worker takes jobs: stop the one that ran jobs (gracefully), and the other runs the next.
    const busy = workers.find((w) => pids.has(w.pid))!;
    const other = workers.find((w) => w !== busy)!;
    assert.equal(await stopWorker(busy), 0, 'a worker stops cleanly on SIGTERM');
    const [last] = await waitAll([await send({ kind: 'sync', link: 'main', reason: 'manual' })]);
    assert.deepEqual([last.state, last.output.pid], ['completed', other.pid]);
    assert.equal(new Set([...pids, last.output.pid]).size, 2, 'both worker processes ran jobs');
  });
});
