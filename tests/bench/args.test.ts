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
  refused(['--erp', 'sap'], /^--erp must be xero or acumatica, got 'sap'/);
  refused(['--erp', 'acumatica', '--acumatica-latency-ms=-5'], /^--acumatica-latency-ms must be a whole number from 0 to 10000, got '-5'/);
  refused(['--acumatica-latency-ms', '1.5'], /^--acumatica-latency-ms must be a whole number/);
  refused(['--bills', '0'], /^--bills must be/);
  refused(['--profile', 'fast'], /^--profile must be loopback or real/);
});

test('a latency flag for the ERP the run does not use is refused rather than ignored', () => {
  refused(['--erp', 'acumatica', '--xero-latency-ms', '300'], /--xero-latency-ms does not apply to a run with --erp acumatica/);
  refused(['--acumatica-latency-ms', '300'], /--acumatica-latency-ms does not apply to a run with --erp xero/);
  refused(['--erp', 'acumatica', '--memory'], /--memory/);
});

test('an unknown flag is a usage error naming it', () => {
  refused(['--erp', 'acumatica', '--acumatica-latency', '300'], /--acumatica-latency\b/);
});
