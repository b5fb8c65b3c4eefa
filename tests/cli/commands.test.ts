/**
 * The commands against the emulators, through the real bin on the embedded database: --json output
 * has the documented fields, progress goes to stderr, and exit codes follow the contract: 0 ok,
 * 1 needs attention (failed records, reconcile differences, unknown audit id), 3 reconnect needed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readSecret } from '../../src/store/repos/connections.ts';
import type { XeroCredentials } from '../../src/systems/xero/auth.ts';
import { linkWorkJob } from '../../src/server/contract.ts';
import { startQueue } from '../../src/store/queue.ts';
import { freshPgliteDataDir } from '../helpers/db.ts';
import { control, CrashRig, type Json } from '../engine/crash-harness.ts';

describe('ml-connector commands against the emulators', () => {
  let rig: CrashRig;
  let dataDir = '';
  const cli = (...args: string[]) => rig.runCli(args);
  const json = (stdout: string): Json => JSON.parse(stdout);

  before(async () => {
    dataDir = await freshPgliteDataDir();
    rig = await CrashRig.open({ dataDir, seed: 5, suppliers: 8, bills: 40, linkName: 'cli' });
  });

  after(async () => {
    await rig?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('status, ping and a dry run: documented fields, nothing written', async () => {
    const status = await cli('status', '--json');
    assert.equal(status.code, 0, status.stderr);
    const s = json(status.stdout);
    assert.deepEqual(s.connections.map((c: Json) => [c.id, c.system, c.status]).sort(), [['bill', 'bill', 'ok'], ['xero', 'xero', 'ok']]);
    assert.equal(s.links[0].link.name, 'cli');
    assert.deepEqual([s.links[0].records, s.links[0].cursors, s.links[0].runs], [{}, [], []]);

    const ping = await cli('ping', '--json');
    assert.equal(ping.code, 0, ping.stderr);
    const found = json(ping.stdout);
    assert.deepEqual(found.map((r: Json) => [r.system, r.ok]).sort(), [['bill', true], ['xero', true]]);
    assert.ok(found.find((r: Json) => r.system === 'xero').found.approvedUnpaidBills > 0);

    const dry = await cli('sync', '--link', 'cli', '--dry-run', '--json');
    assert.equal(dry.code, 0, dry.stderr);
    const [plan] = json(dry.stdout);
    assert.equal(plan.link, 'cli');
    assert.ok(plan.counts['bill.create'] > 0);
    const create = plan.plan.find((p: Json) => p.entity === 'bill' && p.action === 'create');
    assert.deepEqual(Object.keys(create).sort(), ['action', 'entity', 'label', 'reason', 'sourceId']);
    assert.equal(json((await cli('status', '--json')).stdout).links[0].runs.length, 0, 'a dry run records no run');
  });

  test('sync --queue hands a manual sync to the server\'s queue and runs nothing here', async () => {
    const refused = await cli('sync', '--queue', '--dry-run');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--queue and --dry-run/);

    const before = rig.bill.ctx.stats.snapshot().totalCalls;
    const queued = await cli('sync', '--queue', '--json');
    assert.equal(queued.code, 0, queued.stderr);
    const [entry] = json(queued.stdout);
    assert.equal(entry.link, 'cli');
    assert.match(entry.jobId, /^[0-9a-f-]{36}$/);
    assert.equal(rig.bill.ctx.stats.snapshot().totalCalls, before, 'nothing was synced by the command itself');

    const rt = await rig.runtime();
    try {
      const queue = await startQueue(rt.db, { jobs: [linkWorkJob] });
      try {
        const [job] = await queue.boss.findJobs(linkWorkJob.name, { id: entry.jobId });
        assert.deepEqual(job?.data, { kind: 'sync', link: 'cli', reason: 'manual' });
        assert.equal(job?.state, 'created', 'waiting for a worker');
        await queue.boss.cancel(linkWorkJob.name, entry.jobId);
      } finally {
        await queue.stop({ timeoutMs: 1000 });
      }
    } finally {
      await rt.close();
    }
  });

  test('a sync with failed records exits 1, reports progress on stderr, and audit shows the failure', async () => {
    const again = await cli('link', 'create', '--name', 'cli', '--account-policy', 'error');
    assert.equal(again.code, 2, 'create does not silently update an existing link');
    assert.match(again.stderr, /link 'cli' exists already .*'ml-connector link update --name cli …'/);
    const policy = await cli('link', 'update', '--name', 'cli', '--account-policy', 'error', '--json');
    assert.equal(policy.code, 0, policy.stderr);
    assert.equal(json(policy.stdout).settings.accountPolicy, 'error');
    assert.equal((await cli('link', 'update', '--name', 'nope')).code, 2, 'update refuses a link that does not exist');

    const run = await cli('sync', '--link', 'cli');
    assert.equal(run.code, 1, `failed records need attention: ${run.stderr}`);
    assert.match(run.stdout, /^Run for link 'cli' run_\S+: partial/);
    assert.match(run.stdout, /Needs attention:\n\s+fail\s+bill/);
    for (const step of ['vendors', 'bills', 'payments']) assert.match(run.stderr, new RegExp(`^cli: ${step} \\d+`, 'm'), `progress for ${step} on stderr`);

    const failed = await failedBills();
    assert.ok(failed.length > 0);
    const audit = await cli('audit', failed[0]!, '--json');
    assert.equal(audit.code, 0, audit.stderr);
    const trail = json(audit.stdout);
    assert.equal(trail.records[0].status, 'failed');
    assert.ok(trail.trail.some((t: Json) => t.outcome === 'failed' && t.error_code === 'MLC_ERR_MISSING_ACCOUNT'), JSON.stringify(trail.trail));
    const unknown = await cli('audit', 'no-such-record-id');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stdout, /no record with id 'no-such-record-id'/);

    // status: failed records need attention (exit 1, as sync), listed with their reason wrapped.
    const status = await cli('status');
    assert.equal(status.code, 1, status.stdout + status.stderr);
    assert.match(status.stdout, /^ {2}failed bill \S+ .*MLC_ERR_MISSING_ACCOUNT$/m);
    assert.ok(status.stdout.split('\n').every((l) => l.length <= 130), `no line wider than 130:\n${status.stdout}`);
    const help = await cli('status', '--help');
    assert.match(help.stdout, /Exit code 0 when all is well, 1 when records failed or conflict/);

    // audit and skip by the Xero invoice number a bookkeeper sees, not only by InvoiceID.
    const rec = (json(audit.stdout).records[0] as Json);
    const number = String(rec.label).split(' ')[0]!;
    const byNumber = await cli('audit', number, '--json');
    assert.equal(byNumber.code, 0, byNumber.stdout);
    assert.deepEqual(json(byNumber.stdout).records.map((r: Json) => r.source_id), [failed[0]]);
    const skipped = await cli('skip', number, '--note', 'paid by cheque');
    assert.equal(skipped.code, 0, skipped.stdout + skipped.stderr);
    assert.match(skipped.stdout, /skipped \(skipped by a person: paid by cheque\)/);
    assert.equal((await cli('skip', number)).code, 1, 'a skipped record cannot be skipped again');
    const after = json((await cli('audit', failed[0]!, '--json')).stdout);
    assert.equal(after.records[0].status, 'skipped');
    assert.ok(after.trail.some((t: Json) => t.step === 'skipped' && /paid by cheque/.test(t.message)));
    // A replay takes a skipped record up again (the cause is still there, so it fails again).
    const back = await cli('replay', failed[0]!, '--json');
    assert.equal(back.code, 1, back.stdout + back.stderr);
    assert.deepEqual(await failedBills(), failed);
  });

  test('replay --failed: 1 while the cause remains, 0 once it is fixed', async () => {
    const still = await cli('replay', '--failed', '--json');
    assert.equal(still.code, 1, still.stderr);
    assert.equal(json(still.stdout)[0].status, 'partial');

    assert.equal((await cli('link', 'update', '--name', 'cli', '--account-policy', 'create')).code, 0);
    const fixed = await cli('replay', '--failed', '--json');
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    const [result] = json(fixed.stdout);
    assert.deepEqual(Object.keys(result).sort(), ['counts', 'error', 'link', 'plan', 'runId', 'status']);
    assert.equal(result.status, 'succeeded');
    assert.ok(result.counts['bill.create'] > 0);
    assert.deepEqual(await failedBills(), []);
  });

  test('reconcile: 0 when the ledgers agree, 1 with the differences while a BILL payment is not posted back', async () => {
    const agree = await cli('reconcile', '--json');
    assert.equal(agree.code, 0, agree.stdout + agree.stderr);
    const [report] = json(agree.stdout);
    assert.deepEqual([report.link, report.agree, report.differences], ['cli', true, []]);
    assert.ok(report.checked.linkedBills > 0 && report.totals.USD);

    const state = await control(rig.bill.urls.base, 'GET', '/state');
    rig.bill.pay({ billId: state.organizations[0].bills[0].id });
    const differ = await cli('reconcile', '--link', 'cli');
    assert.equal(differ.code, 1, differ.stderr);
    assert.match(differ.stdout, /Link 'cli': 1 difference\(s\)/);

    const sync = await cli('sync', '--json');
    assert.equal(sync.code, 0, sync.stderr);
    assert.equal(json(sync.stdout)[0].counts['payment.create'], 1);
    assert.equal((await cli('reconcile')).code, 0);

    // The payment is found by the BILL payment id (stp…) that BILL's screens show.
    const payment = (await control(rig.bill.urls.base, 'GET', '/state')).organizations[0].payments[0];
    assert.match(payment.id, /^stp/);
    const byPayment = await cli('audit', payment.id, '--json');
    assert.equal(byPayment.code, 0, byPayment.stdout);
    assert.deepEqual(json(byPayment.stdout).records.map((r: Json) => [r.entity, r.status]), [['payment', 'synced']]);
    // The bill's trail shows the payment against it.
    const bill = await cli('audit', state.organizations[0].bills[0].id);
    assert.equal(bill.code, 0, bill.stdout);
    assert.match(bill.stdout, new RegExp(`Payments against this bill:\n  BILL ${payment.id} \\S+ [\\d.]+ [A-Z]{3} \\[synced\\]`));
  });

  test('a revoked Xero connection: sync and status exit 3', async () => {
    const rt = await rig.runtime();
    let refreshToken: string;
    try {
      refreshToken = (await readSecret<XeroCredentials>(rt.db, rt.box, 'xero')).refreshToken;
    } finally {
      await rt.close();
    }
    const revoked = await fetch(`${rig.xero.urls.identity}/connect/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshToken, client_id: rig.xero.sandbox.clientId, client_secret: rig.xero.sandbox.clientSecret }),
    });
    assert.equal(revoked.status, 200);
    await control(rig.xero.urls.base, 'POST', '/faults', { expireAuthNow: true });

    const sync = await cli('sync', '--link', 'cli', '--json');
    assert.equal(sync.code, 3, sync.stdout + sync.stderr);
    assert.equal(json(sync.stdout)[0].error.code, 'MLC_ERR_RECONNECT_NEEDED');
    const message: string = json(sync.stdout)[0].error.message;
    assert.ok(message.includes(`Connect it again with: ml-connector connect xero --name xero --client-id ${rig.xero.sandbox.clientId} --base-url ${rig.xero.urls.base}`), message);
    assert.doesNotMatch(message, /again to reconnect/);
    const status = await cli('status', '--json');
    assert.equal(status.code, 3);
    assert.equal(json(status.stdout).connections.find((c: Json) => c.id === 'xero').status, 'needs_reconnect');
    for (const out of [sync.stdout, sync.stderr, status.stdout, status.stderr]) assert.ok(!out.includes(refreshToken), 'the refresh token is never shown');
  });

  async function failedBills(): Promise<string[]> {
    const rt = await rig.runtime();
    try {
      const { rows } = await rt.db.query<{ source_id: string }>("select source_id from records where link = 'cli' and entity = 'bill' and status = 'failed' order by source_id");
      return rows.map((r) => r.source_id);
    } finally {
      await rt.close();
    }
  }
});
