/**
 * The CLI beside other work on the same link. Ctrl-C during `ml-connector sync`: the run finishes
 * and commits the page it is on, ends as interrupted (exit code 4) without starting the next step,
 * and the next sync picks up from there with exactly one BILL bill per eligible Xero bill.
 * `ml-connector reconcile` does not read a link another process is syncing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tryAcquireLease } from '../../src/store/repos/leases.ts';
import { freshPgliteDataDir } from '../helpers/db.ts';
import { CrashRig } from '../engine/crash-harness.ts';
import { assertOneBillEach, eligibleXeroBills, readLedgers } from '../engine/crash-checks.ts';
import type { Json } from '../engine/crash-harness.ts';

let rig: CrashRig;
let dataDir = '';
let eligible: Json[] = [];

before(async () => {
  dataDir = await freshPgliteDataDir();
  rig = await CrashRig.open({ dataDir, seed: 13, suppliers: 25, bills: 220, linkName: 'stop' });
  eligible = eligibleXeroBills(await readLedgers(rig));
  assert.ok(eligible.length >= 50, `the seed gives enough eligible bills (got ${eligible.length})`);
});

after(async () => {
  await rig?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('SIGINT stops the sync after the current page; the next sync completes it', async () => {
  const stopped = await rig.runCli(['sync', '--link', rig.linkName, '--json'], {
    system: 'bill',
    endpoint: /^POST \/connect\/v3\/bills\/bulk$/,
    nth: 1,
    label: 'first bulk bill create',
    signal: 'SIGINT',
  });
  assert.equal(stopped.signal, null, 'the process ended by itself, not by the signal');
  assert.equal(stopped.code, 4, `exit code 4: ${stopped.stderr.slice(0, 1000)}`);
  assert.match(stopped.stderr, /SIGINT: stopping after the current page/);
  const [result] = JSON.parse(stopped.stdout);
  assert.equal(result.status, 'interrupted');
  assert.equal(result.error.code, 'MLC_ERR_STOPPED');
  // The page at hand was finished and committed: its bills are in BILL and linked, no intent is left…
  assert.ok((result.counts['bill.create'] ?? 0) > 0, JSON.stringify(result.counts));
  const rt = await rig.runtime();
  try {
    const rows = await rt.db.query<{ state: string; n: number }>("select state, count(*)::int as n from id_map where entity = 'bill' group by state");
    const byState = Object.fromEntries(rows.rows.map((r) => [r.state, r.n]));
    assert.equal(byState.intent ?? 0, 0, 'no bill create is left outstanding');
    assert.equal(byState.linked, result.counts['bill.create'], 'every bill created is linked');
    const run = await rt.db.query<{ status: string; error_code: string }>('select status, error_code from runs where id = $1', [result.runId]);
    assert.deepEqual(run.rows[0], { status: 'interrupted', error_code: 'MLC_ERR_STOPPED' });
  } finally {
    await rt.close();
  }
  // …and the payments step wrote nothing (its first page may be read ahead, beside the other
  // steps' reads, but nothing is posted to Xero before the stop).
  const paymentWrites = Object.keys(stopped.calls.xero ?? {}).filter((k) => /^(PUT|POST) .*Payments/i.test(k));
  assert.deepEqual(paymentWrites, [], JSON.stringify(stopped.calls.xero));

  const resumed = await rig.sync();
  assert.equal(resumed.code, 0, resumed.stderr.slice(0, 1000));
  assert.equal(JSON.parse(resumed.stdout)[0].status, 'succeeded');
  assertOneBillEach(await readLedgers(rig), eligible, 'after the stopped sync and the next one');
});

test('reconcile refuses to read a link while a sync in another process holds it (exit 4), and runs once it is free', async () => {
  let rt = await rig.runtime();
  try {
    // This process stands for the running sync: its lease names a live process on this host.
    assert.ok(await tryAcquireLease(rt.db, `link:${rig.linkName}`), 'the lease was free');
  } finally {
    await rt.close();
  }
  const busy = await rig.runCli(['reconcile', '--link', rig.linkName, '--json']);
  assert.equal(busy.code, 4, busy.stderr);
  assert.match(busy.stderr, /MLC_ERR_CONFLICT: link 'stop' is being synced by another process/);

  rt = await rig.runtime();
  try {
    await rt.db.query('delete from kv where key = $1', [`lease:link:${rig.linkName}`]);
  } finally {
    await rt.close();
  }
  const free = await rig.runCli(['reconcile', '--link', rig.linkName, '--json']);
  assert.equal(free.code, 0, free.stdout.slice(0, 2000) + free.stderr);
  assert.equal(JSON.parse(free.stdout)[0].agree, true);
});
