/**
 * The REST API end to end, on both back-ends: the server runs in this process against the
 * emulators; every request goes over HTTP with the bearer token, and results are read back from
 * the BILL emulator's state and the database. Work requested through the API runs as link-work
 * jobs on the server's own workers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { linkWorkJob } from '../../src/server/contract.ts';
import { readSecret } from '../../src/store/repos/connections.ts';
import { accpay, billFor, eligible } from '../engine/ledger-views.ts';
import type { Json } from '../engine/sandbox-fixture.ts';
import { forEachBackend } from '../helpers/db.ts';
import { ServerSandbox, testToken } from './server-fixture.ts';

forEachBackend('server REST API', (backend) => {
  let s: ServerSandbox;
  let failedBills: Json[];

  before(async () => {
    // With accountPolicy 'error', bills on accounts BILL lacks fail: records to replay and skip.
    s = await ServerSandbox.open(backend, { seed: 7, xero: { suppliers: 6, bills: 24 }, settings: { accountPolicy: 'error' } });
  });
  after(() => s?.close());

  test('every /api route needs the bearer token: none or a wrong one answers 401 with a JSON error', async () => {
    for (const path of ['/api/links', '/api/openapi.json', '/api/records', '/api/nowhere']) {
      const none = await s.call('GET', path, undefined, null);
      assert.equal(none.status, 401, path);
      assert.equal(none.body.error.code, 'unauthorized');
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="ml-connector"');
      assert.equal((await s.call('GET', path, undefined, `${testToken}x`)).status, 401, path);
      assert.equal((await s.call('GET', path, undefined, testToken.slice(0, -1))).status, 401, path);
    }
    assert.equal((await s.call('POST', '/api/links/main/sync', undefined, null)).status, 401);
    assert.equal((await s.call('GET', '/api/links')).status, 200);
    assert.equal((await s.call('GET', '/api/nowhere')).status, 404);
  });

  test('health and metrics are open', async () => {
    const health = await s.call('GET', '/healthz', undefined, null);
    assert.deepEqual([health.status, health.body], [200, { status: 'ok', db: 'ok', queue: 'running' }]);
    const metrics = await s.call('GET', '/metrics', undefined, null);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  });

  test('links and connections: list and get; connections show health and never secrets', async () => {
    const links = await s.call('GET', '/api/links');
    assert.deepEqual(links.body.items.map((l: Json) => [l.name, l.pair, l.erpSystem, l.settings.accountPolicy, l.settings.pollCron]), [['main', 'xero-bill', 'xero', 'error', '*/15 * * * *']]);
    assert.equal((await s.call('GET', '/api/links/main')).body.billConnectionId, 'bill');
    assert.equal((await s.call('GET', '/api/links/other')).status, 404);

    const connections = await s.call('GET', '/api/connections');
    assert.deepEqual(connections.body.items.map((c: Json) => [c.id, c.system, c.status]), [['bill', 'bill', 'ok'], ['xero', 'xero', 'ok']]);
    for (const c of connections.body.items) {
      assert.deepEqual(Object.keys(c).sort(), ['id', 'label', 'lastSuccessAt', 'reason', 'status', 'system', 'tenantId', 'tokenExpiresAt', 'updatedAt']);
    }
    assert.ok(connections.body.items.find((c: Json) => c.id === 'xero').tokenExpiresAt, 'the Xero token expiry is shown');
    const text = JSON.stringify(connections.body);
    for (const c of connections.body.items) {
      const secret = await readSecret<Record<string, unknown>>(s.sandbox.db, s.sandbox.rt.box, c.id);
      // The organisation id travels with BILL's login but is no secret: it is the connection's tenant.
      const secrets = Object.values(secret).filter((v): v is string => typeof v === 'string' && v.length >= 8 && v !== c.tenantId);
      assert.ok(secrets.length > 0);
      for (const value of secrets) assert.ok(!text.includes(value), `a ${c.id} secret leaked`);
    }
  });

  test('bad input answers 400 naming the field', async () => {
    const cron = await s.call('PATCH', '/api/links/main', { settings: { pollCron: 'every minute' } });
    assert.deepEqual([cron.status, cron.body.error.field], [400, 'body.settings.pollCron']);
    const policy = await s.call('PATCH', '/api/links/main', { settings: { accountPolicy: 'sometimes' } });
    assert.deepEqual([policy.status, policy.body.error.field], [400, 'body.settings.accountPolicy']);
    const unknown = await s.call('PATCH', '/api/links/main', { settings: { colour: 'red' } });
    assert.deepEqual([unknown.status, unknown.body.error.field], [400, 'body.settings.colour']);
    const limit = await s.call('GET', '/api/records?limit=0');
    assert.deepEqual([limit.status, limit.body.error.field], [400, 'querystring.limit']);
    const status = await s.call('GET', '/api/records?status=lost');
    assert.deepEqual([status.status, status.body.error.field], [400, 'querystring.status']);
    const connection = await s.call('POST', '/api/links', { name: 'second', erpConnectionId: 'bill', billConnectionId: 'bill' });
    assert.deepEqual([connection.status, connection.body.error.field], [400, 'body.erpConnectionId']);
    const name = await s.call('POST', '/api/links', { name: 'has space', erpConnectionId: 'xero', billConnectionId: 'bill' });
    assert.deepEqual([name.status, name.body.error.field], [400, 'body.name']);
    const replay = await s.call('POST', '/api/links/main/replay', { failed: false });
    assert.equal(replay.status, 400);
    assert.equal((await s.call('POST', '/api/links', { name: 'main', erpConnectionId: 'xero', billConnectionId: 'bill' })).status, 409);
    assert.equal((await s.call('GET', '/api/links/main')).body.settings.pollCron, '*/15 * * * *', 'nothing was changed');
  });

  test('text the database cannot store (NUL, lone surrogates) answers 400 naming the parameter, on every part of the server', async () => {
    const nul = (answer: { status: number; body: Json }, field: string) => {
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.deepEqual([answer.body.error.code, answer.body.error.field], ['bad_request', field]);
      assert.match(answer.body.error.message, new RegExp(`^${field.replace(/\./g, '\\.')}: (a key )?contains`));
    };
    nul(await s.call('GET', '/api/runs/%00'), 'params.id');
    nul(await s.call('GET', '/api/records/%00/audit'), 'params.id');
    nul(await s.call('GET', '/api/records/rec%00x/audit?link=main'), 'params.id');
    nul(await s.call('GET', '/api/records/x/audit?link=ma%00in'), 'querystring.link');
    nul(await s.call('PATCH', '/api/links/main', { settings: { pollCron: '*/5 * * * *\u0000' } }), 'body.settings.pollCron');
    const surrogate = await s.call('PATCH', '/api/links/main', { settings: { pollCron: '*/5 * * * * \ud800' } });
    nul(surrogate, 'body.settings.pollCron');
    assert.match(surrogate.body.error.message, /lone surrogate/);
    nul(await s.call('POST', '/api/links', { name: 'second', erpConnectionId: 'xero', billConnectionId: 'bill', settings: { ['a\u0000']: 1 } }), 'body.settings');
    assert.equal((await s.call('GET', '/api/links/main')).body.settings.pollCron, '*/15 * * * *', 'nothing was changed');

    // The connect forms and the dashboard pages go through the same check.
    const form = await fetch(`${s.url}/connect/xero/app`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'clientId=abc%00def&clientSecret=secret-value-123',
    });
    assert.equal(form.status, 400);
    const formBody = await form.text();
    assert.match(formBody, /body\.clientId: contains a NUL/);
    assert.ok(!formBody.includes('secret-value-123') && !formBody.includes('abc'), 'the values are not echoed');
    const login = await fetch(`${s.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: testToken, next: '/' }).toString() });
    assert.equal(login.status, 303);
    const cookie = String(login.headers.get('set-cookie')).split(';')[0]!;
    const page = await fetch(`${s.url}/record?id=%00`, { headers: { cookie } });
    assert.equal(page.status, 400);
    assert.equal(((await page.json()) as Json).error.field, 'querystring.id');
    assert.equal((await fetch(`${s.url}/record?link=main&id=none`, { headers: { cookie } })).status, 404, 'a storable id is looked up as before');
  });

  test('sync now queues a job; a worker runs it and the bills reach BILL, with the run visible', async () => {
    const accepted = await s.call('POST', '/api/links/main/sync');
    assert.equal(accepted.status, 202);
    const job = await s.waitForJob(accepted.body.jobId);
    assert.equal(job.state, 'completed', JSON.stringify(job.output));
    assert.deepEqual(job.data, { kind: 'sync', link: 'main', reason: 'manual' });
    assert.equal(job.output.status, 'partial');

    const xero = await s.sandbox.xeroState();
    const org = await s.sandbox.billState();
    const wanted = accpay(xero).filter(eligible);
    failedBills = wanted.filter((i) => billFor(org, i.InvoiceID).length === 0);
    assert.ok(failedBills.length >= 2, 'some bills failed for their accounts');
    assert.ok(wanted.length - failedBills.length >= 5, 'the others were created');
    for (const i of wanted) assert.ok(billFor(org, i.InvoiceID).length <= 1);

    const run = await s.call('GET', `/api/runs/${job.output.runId}`);
    assert.equal(run.status, 200);
    assert.deepEqual([run.body.kind, run.body.status, run.body.link], ['sync', 'partial', 'main']);
    assert.equal(run.body.counts['bill.create'], wanted.length - failedBills.length);
    assert.equal(run.body.counts['bill.fail'], failedBills.length);
    assert.ok(run.body.progress && run.body.progress.step, 'progress was recorded while it ran');
    const runs = await s.call('GET', '/api/runs?link=main&limit=5');
    assert.equal(runs.body.items[0].id, job.output.runId);
    assert.equal((await s.call('GET', '/api/runs/run_none')).status, 404);
  });

  test('records filter by link, status, system and entity, and page', async () => {
    const failed = await s.call('GET', '/api/records?link=main&status=failed&entity=bill&system=xero');
    assert.deepEqual(failed.body.items.map((r: Json) => r.sourceId).sort(), failedBills.map((i) => i.InvoiceID).sort());
    for (const r of failed.body.items) assert.deepEqual([r.status, r.errorCode, r.entity, r.sourceSystem], ['failed', 'MLC_ERR_MISSING_ACCOUNT', 'bill', 'xero']);
    assert.equal((await s.call('GET', '/api/records?status=failed&system=bill')).body.items.length, 0);

    const all = await s.call('GET', '/api/records?link=main&entity=bill&limit=500');
    const first = await s.call('GET', '/api/records?link=main&entity=bill&limit=3');
    const second = await s.call('GET', `/api/records?link=main&entity=bill&limit=3&offset=${first.body.nextOffset}`);
    assert.equal(first.body.nextOffset, 3);
    assert.deepEqual([...first.body.items, ...second.body.items].map((r: Json) => r.sourceId), all.body.items.slice(0, 6).map((r: Json) => r.sourceId));
    assert.equal(all.body.nextOffset, null);
  });

  test("a record's audit trail is found by either side's id", async () => {
    const synced = (await s.call('GET', '/api/records?link=main&status=synced&entity=bill&limit=1')).body.items[0];
    const bySource = await s.call('GET', `/api/records/${synced.sourceId}/audit?link=main`);
    assert.ok(bySource.body.items.some((e: Json) => e.step === 'created' && e.outcome === 'ok' && e.targetId === synced.targetId));
    const byTarget = await s.call('GET', `/api/records/${synced.targetId}/audit`);
    assert.deepEqual(byTarget.body.items.map((e: Json) => e.id), bySource.body.items.map((e: Json) => e.id));
  });

  test('skip marks a failed record skipped by a person, with an audit event; only failed or conflicting records', async () => {
    const target = failedBills[0]!;
    const skipped = await s.call('POST', '/api/links/main/skip', { entity: 'bill', sourceId: target.InvoiceID, note: 'paid outside BILL' });
    assert.deepEqual([skipped.status, skipped.body], [200, { skipped: true }]);
    const record = (await s.call('GET', '/api/records?link=main&status=skipped&entity=bill')).body.items.find((r: Json) => r.sourceId === target.InvoiceID);
    assert.equal(record.reason, 'skipped by a person: paid outside BILL');
    const trail = (await s.call('GET', `/api/records/${target.InvoiceID}/audit`)).body.items;
    assert.deepEqual([trail.at(-1).step, trail.at(-1).outcome, trail.at(-1).message], ['skipped', 'skipped', 'skipped by a person: paid outside BILL']);

    assert.equal((await s.call('POST', '/api/links/main/skip', { entity: 'bill', sourceId: target.InvoiceID })).status, 409);
    assert.equal((await s.call('POST', '/api/links/main/skip', { entity: 'bill', sourceId: 'no-such-bill' })).status, 404);
  });

  test('after the policy changes, replaying failed records creates exactly one bill each; the skipped one stays skipped', async () => {
    const patched = await s.call('PATCH', '/api/links/main', { settings: { accountPolicy: 'create' } });
    assert.deepEqual([patched.status, patched.body.settings.accountPolicy, patched.body.settings.pollCron], [200, 'create', '*/15 * * * *']);
    const accepted = await s.call('POST', '/api/links/main/replay', { failed: true });
    assert.equal(accepted.status, 202);
    const job = await s.waitForJob(accepted.body.jobId);
    assert.deepEqual([job.state, job.output.status], ['completed', 'succeeded'], JSON.stringify(job.output));
    assert.equal(job.output.counts['replay.records'], failedBills.length - 1);

    const org = await s.sandbox.billState();
    const [skipped, ...replayed] = failedBills;
    assert.equal(billFor(org, skipped!.InvoiceID).length, 0);
    for (const i of replayed) assert.equal(billFor(org, i.InvoiceID).length, 1, i.InvoiceNumber);
    assert.equal((await s.call('GET', '/api/records?link=main&status=failed')).body.items.length, 0);

    const one = await s.call('POST', '/api/links/main/replay', { id: replayed[0]!.InvoiceID });
    const again = await s.waitForJob(one.body.jobId);
    assert.deepEqual([again.output.counts['replay.records'], again.output.counts['bill.create'] ?? 0], [1, 0]);
  });

  test('reconcile answers from both ledgers', async () => {
    const report = await s.call('GET', '/api/links/main/reconcile');
    assert.equal(report.status, 200);
    assert.equal(report.body.link, 'main');
    // The skipped bill is eligible but deliberately not in BILL: the only difference.
    assert.deepEqual(report.body.differences.map((d: Json) => [d.kind, d.erpBillId]), [['missing_in_bill', failedBills[0]!.InvoiceID]]);
    assert.match(Object.values(report.body.totals as Record<string, Json>)[0].bill, /^\d+\.\d{2}$/);
    // It ran as link-work in the BILL organisation's queue, like every other call on BILL.
    const jobs = (await s.server.services.queue.boss.findJobs<Json>(linkWorkJob.name)).filter((j) => j.data.kind === 'reconcile');
    assert.deepEqual(jobs.map((j) => [j.state, j.singletonKey, (j.output as Json)?.report?.agree]), [['completed', `bill:${s.sandbox.billOrgId}`, false]]);
  });

  test('a reconcile asked for while a sync is queued waits for it instead of answering busy', async () => {
    const sync = await s.call('POST', '/api/links/main/sync');
    assert.equal(sync.status, 202);
    const report = await s.call('GET', '/api/links/main/reconcile');
    assert.equal(report.status, 200, JSON.stringify(report.body));
    const jobs = await s.server.services.queue.boss.findJobs<Json>(linkWorkJob.name);
    const syncJob = jobs.find((j) => j.id === sync.body.jobId)!;
    const reconcileJob = jobs.filter((j) => j.data.kind === 'reconcile').sort((a, b) => b.createdOn.getTime() - a.createdOn.getTime())[0]!;
    assert.equal(syncJob.state, 'completed');
    assert.ok(reconcileJob.startedOn.getTime() >= syncJob.completedOn!.getTime(), 'the reconciliation started after the sync ended');
  });

  test('metrics: Prometheus text with API calls per system, queue depth, record outcomes and runs', async () => {
    const { body } = await s.call('GET', '/metrics', undefined, null);
    const lines = String(body).trimEnd().split('\n');
    const sample = /^[a-z_]+(\{([a-z_]+="([^"\\\n]|\\["\\n])*",?)*\})? -?\d+(\.\d+)?$/;
    for (const line of lines) assert.ok(/^# (HELP|TYPE) [a-z_]+ .+$/.test(line) || sample.test(line), `not exposition format: ${line}`);
    const value = (series: string) => Number(lines.find((l) => l.startsWith(`${series} `))?.split(' ')[1] ?? NaN);
    assert.ok(value('mlc_http_calls_total{system="bill"}') > 0);
    assert.ok(value('mlc_http_calls_total{system="xero"}') > 0);
    assert.ok(value('mlc_queue_jobs{queue="link-work",state="completed"}') >= 3);
    const byStatus = await s.sandbox.db.query<{ status: string; n: number }>("select status, count(*)::int as n from records where link = 'main' and entity = 'bill' group by status");
    assert.ok(byStatus.rows.length >= 2);
    for (const r of byStatus.rows) assert.equal(value(`mlc_records{link="main",entity="bill",status="${r.status}"}`), Number(r.n), r.status);
    assert.equal(value('mlc_records{link="main",entity="bill",status="failed"}'), NaN, 'no series for a status no record has');
    assert.equal(value('mlc_runs{kind="sync",status="partial"}'), 1);
    assert.equal(value('mlc_link_work_runs_total{kind="replay",status="succeeded"}'), 2);
  });

  test('a connection that needs reconnecting dead-letters the job at once and shows in connections', async () => {
    await s.sandbox.db.query("update connections set status = 'needs_reconnect', status_reason = 'revoked in Xero' where id = 'xero'");
    const accepted = await s.call('POST', '/api/links/main/sync');
    const job = await s.waitForJob(accepted.body.jobId);
    assert.equal(job.state, 'failed');
    assert.equal(job.retryCount, 0, 'not retried');
    const dead = await s.call('GET', '/api/dead-letters');
    const letter = dead.body.items.find((d: Json) => d.sourceId === accepted.body.jobId);
    assert.ok(letter, 'the job is a dead letter');
    assert.match(letter.error.message, /MLC_ERR_RECONNECT_NEEDED/);
    const xero = (await s.call('GET', '/api/connections')).body.items.find((c: Json) => c.id === 'xero');
    assert.deepEqual([xero.status, xero.reason.length > 0], ['needs_reconnect', true]);
    await s.sandbox.db.query("update connections set status = 'ok', status_reason = null where id = 'xero'");
  });
});
