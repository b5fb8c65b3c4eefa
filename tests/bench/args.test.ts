import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUsageError, parseBenchArgs } from '../../src/bench/args.ts';

/** The benchmark's command line: what a run is given, and errors that name the flag at fault. */

const run = (argv: string[]) => {
  const command = parseBenchArgs(argv);
  assert.equal(command.kind, 'run');
  return (command as Extract<typeof command, { kind: 'run' }>).options;
};

const refused = (argv: string[], flag: RegExp) => {
  assert.throws(() => parseBenchArgs(argv), (e: unknown) => {
    assert.ok(isUsageError(e), `a usage error, not ${String(e)}`);
    assert.match(e.message, flag);
    return true;
  });
};

test('--erp picks the pair (Xero by default) and each system takes its own latency', () => {
  assert.equal(run([]).erp, 'xero');
  const acu = run(['--erp', 'acumatica', '--profile', 'real', '--acumatica-latency-ms', '700', '--bill-latency-ms', '200', '--bills', '60']);
  assert.equal(acu.erp, 'acumatica');
  assert.equal(acu.latency.acumatica.baseMs, 700);
  assert.equal(acu.latency.bill.baseMs, 200);
  assert.equal(acu.bills, 60);
  assert.equal(acu.suppliers, 12, 'suppliers default to a tenth of the bills, at least 12');
  assert.equal(run(['--erp=acumatica', '--latency-ms', '40']).latency.acumatica.baseMs, 40);
});

test('a bad value is refused with the flag it was given to', () => {
  refused(['--erp', 'sap'], /^--erp must be xero, acumatica or qbo, got 'sap'/);
  refused(['--erp', 'acumatica', '--acumatica-latency-ms=-5'], /^--acumatica-latency-ms must be a whole number from 0 to 10000, got '-5'/);
  refused(['--acumatica-latency-ms', '1.5'], /^--acumatica-latency-ms must be a whole number/);
  refused(['--bills', '0'], /^--bills must be/);
  refused(['--profile', 'fast'], /^--profile must be loopback or real/);
});

test('--erp qbo takes --qbo-latency-ms and the BILL seed\'s sizes, naming the flag past them', () => {
  const qbo = run(['--erp', 'qbo', '--profile', 'real', '--bill-latency-ms', '250']);
  assert.equal(qbo.erp, 'qbo');
  assert.deepEqual(qbo.latency.qbo, { baseMs: 400, perItemMs: 0 }, 'QBO is written one entity per call: no per-item cost');
  assert.equal(qbo.latency.bill.baseMs, 250);
  assert.equal(qbo.suppliers, 200);
  assert.equal(run(['--erp=qbo', '--qbo-latency-ms', '90']).latency.qbo.baseMs, 90);
  refused(['--erp', 'qbo', '--bills', '5001'], /^--bills must be a whole number from 1 to 5000, got '5001'/);
  refused(['--erp', 'qbo', '--suppliers', '1001'], /^--suppliers must be a whole number from 1 to 1000/);
  refused(['--erp', 'qbo', '--qbo-latency-ms', 'x'], /^--qbo-latency-ms must be a whole number/);
  assert.equal(run(['--bills', '5001']).bills, 5001, 'the ERP-seeded pairs keep their own ceiling');
});

test('a latency flag for the ERP the run does not use is refused rather than ignored', () => {
  refused(['--erp', 'acumatica', '--xero-latency-ms', '300'], /--xero-latency-ms does not apply to a run with --erp acumatica/);
  refused(['--acumatica-latency-ms', '300'], /--acumatica-latency-ms does not apply to a run with --erp xero/);
  refused(['--erp', 'acumatica', '--memory'], /--memory/);
  refused(['--erp', 'qbo', '--xero-latency-ms', '300'], /^--xero-latency-ms does not apply to a run with --erp qbo/);
  refused(['--qbo-latency-ms', '300'], /^--qbo-latency-ms does not apply to a run with --erp xero/);
  refused(['--erp', 'qbo', '--memory'], /--memory/);
});

test('an unknown flag is a usage error naming it', () => {
  refused(['--erp', 'acumatica', '--acumatica-latency', '300'], /--acumatica-latency\b/);
});

const scale = (argv: string[]) => {
  const command = parseBenchArgs(argv);
  assert.equal(command.kind, 'scale');
  return (command as Extract<typeof command, { kind: 'scale' }>).options;
};

test('--orgs runs many organisations on one key: two workers, the real profile, a compressed hour and its budget by default', () => {
  const o = scale(['--orgs', '20']);
  assert.deepEqual([o.orgs, o.workers, o.workerConcurrency, o.bills, o.suppliers], [20, 2, 2, 600, 300]);
  assert.deepEqual(o.latency.bill, { baseMs: 300, perItemMs: 5 }, 'production latency unless told otherwise');
  assert.deepEqual([o.billHourMs, o.billHourly, o.budget], [30_000, 60, 58], 'the budget is 19,500/20,000 of the allowance, as for BILL\'s own');
  const custom = scale(['--orgs=5', '--workers', '3', '--bill-hour-ms', '10000', '--bill-hourly', '200', '--latency-ms', '50', '--bills', '40', '--suppliers', '12']);
  assert.deepEqual([custom.orgs, custom.workers, custom.billHourMs, custom.billHourly, custom.budget, custom.latency.xero.baseMs, custom.bills, custom.suppliers], [5, 3, 10_000, 200, 195, 50, 40, 12]);
  assert.equal(scale(['--orgs', '2', '--profile', 'loopback']).latency.xero.baseMs, 25);
});

test('the many-organisations flags are checked and named, and flags of the other runs are refused with --orgs', () => {
  refused(['--orgs', '1'], /^--orgs must be a whole number from 2 to 50, got '1'/);
  refused(['--orgs', '20', '--workers', '0'], /^--workers must be a whole number from 1 to 4, got '0'/);
  refused(['--orgs', '20', '--bill-hour-ms', '100'], /^--bill-hour-ms must be a whole number from 5000 to 3600000, got '100'/);
  refused(['--orgs', '20', '--bill-hourly', 'lots'], /^--bill-hourly must be a whole number from 10 to 20000/);
  refused(['--orgs', '20', '--bills', '2001'], /^--bills must be a whole number from 1 to 2000/);
  refused(['--workers', '2'], /^--workers needs --orgs/);
  refused(['--bill-hour-ms', '10000'], /^--bill-hour-ms needs --orgs/);
  refused(['--orgs', '20', '--erp', 'acumatica'], /--orgs runs Xero ⇄ BILL firms; --erp acumatica does not apply/);
  refused(['--orgs', '20', '--memory'], /^--memory does not apply to a run with --orgs/);
  refused(['--orgs', '20', '--skip-payments'], /^--skip-payments does not apply to a run with --orgs/);
});
