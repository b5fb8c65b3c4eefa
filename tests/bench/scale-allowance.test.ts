import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBillEmulator } from '../../src/emulators/bill/index.ts';
import type { AllowanceWindow } from '../../src/emulators/bill/limits.ts';
import { Client, control, errorCodes } from '../emulators/bill-helpers.ts';

/**
 * The BILL emulator's compressed hour (the hourMs test knob the many-organisations bench sets) and
 * its count of the devKey's allowance per window across organisations (GET /_emulator/allowance).
 */

const hourMs = 60_000;

test('a compressed hour: the allowance refuses past its limit within the window, resets at the next, and is counted per organisation', async () => {
  const bill = await startBillEmulator({ seed: 31, latencyMs: 0, hourlyLimit: 5, hourMs });
  try {
    // Start just after a window boundary of the emulator's clock, so the calls below share one window.
    const now = Date.parse((await control(bill, 'GET', '/clock')).body.now);
    await control(bill, 'POST', '/clock', { advanceMs: hourMs - (now % hourMs) + 1000 });
    const second = bill.addOrganization({ vendors: 1, bills: 0 });
    const a = await Client.open(bill);
    const b = await Client.open(bill, { organizationId: second.organizationId });
    assert.equal((await a.get('/vendors')).status, 200);
    assert.equal((await a.get('/vendors')).status, 200);
    assert.equal((await b.get('/vendors')).status, 200);
    const refused = await b.get('/vendors');
    assert.deepEqual(errorCodes(refused), ['BDC_1144'], 'two logins and three calls fill an allowance of 5');

    await control(bill, 'POST', '/clock', { advanceMs: hourMs });
    assert.equal((await a.get('/vendors')).status, 200, 'the next compressed hour admits again');

    const dump = (await control(bill, 'GET', '/allowance')).body as { hourMs: number; hourlyLimit: number; devKeys: Record<string, AllowanceWindow[]> };
    assert.equal(dump.hourMs, hourMs);
    assert.equal(dump.hourlyLimit, 5);
    const windows = dump.devKeys[bill.sandbox.devKey]!;
    const [first, next] = windows.slice(-2) as [AllowanceWindow, AllowanceWindow];
    assert.equal(first.endMs - first.startMs, hourMs);
    assert.equal(first.startMs % hourMs, 0, 'windows start on multiples of the hour, as the clock hour does');
    assert.deepEqual([first.taken, first.refused], [5, 1]);
    assert.deepEqual(first.byOrganization, { [bill.sandbox.organizationId]: 2, [second.organizationId]: 1 }, 'logins are not gated per organisation; the refused call never reached the gate');
    assert.equal(next.startMs, first.startMs + hourMs);
    assert.deepEqual([next.taken, next.refused, next.byOrganization], [1, 0, { [bill.sandbox.organizationId]: 1 }]);
  } finally {
    await bill.stop();
  }
});

test('an hour shorter than a second is refused at start', async () => {
  await assert.rejects(startBillEmulator({ hourMs: 10 }), /hourMs must be a whole number of ms, at least 1000, got 10/);
});
