/**
 * The running-sync estimator's order of steps: a step that waits for its dependencies to finish is
 * counted after them, one that overlaps them beside them. Pure figures in, an ETA out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateRunning, stepLevels, type RunObservation, type StepObservation, type SystemAllowance } from '../../src/engine/eta.ts';
import type { LimitsSpec } from '../../src/http/limits-spec.ts';

const limits = (concurrency: number): LimitsSpec => ({ concurrency: { published: concurrency, budget: concurrency, scope: 'tenant', source: 'test' }, windows: [] });
const allowances: SystemAllowance[] = [
  { system: 'erp', limits: limits(5), usage: [] },
  { system: 'bill', limits: limits(2), usage: [] },
];

function step(entity: string, over: Partial<StepObservation>): StepObservation {
  return {
    entity, dependsOn: [], sourceSystem: 'erp', targetSystem: 'bill', readPages: 1, readItems: 10, total: 10, readDone: true,
    done: 0, sent: 0, readCalls: 1, readBusyMs: 300, writeCalls: 0, writeBusyMs: 0, writeSpanMs: 0, writeActiveMs: 0,
    writeBatch: 10, writeInFlight: 1, ...over,
  };
}

const observe = (steps: StepObservation[]): RunObservation => ({
  startedAt: 0, now: 1000, activeMs: 1000, steps,
  calls: { erp: { calls: 3, busyMs: 900, recentStarts: [] }, bill: { calls: 1, busyMs: 300, recentStarts: [] } },
});

test('levels: an overlapping step sits beside its dependency, a waiting one after it, a finished dependency holds nothing back', () => {
  const vendor = step('vendor', {});
  const bill = step('bill', { dependsOn: ['vendor'], overlapsDependencies: true });
  const payment = step('payment', { dependsOn: ['bill'], sourceSystem: 'bill', targetSystem: 'erp', readPages: 0, readItems: 0, total: null, readDone: false });
  assert.deepEqual(Object.fromEntries(stepLevels([vendor, bill, payment])), { vendor: 0, bill: 0, payment: 1 });
  const finishedBill = { ...bill, done: 10 };
  const finishedVendor = { ...vendor, done: 10 };
  assert.deepEqual(Object.fromEntries(stepLevels([finishedVendor, finishedBill, payment])), { vendor: 0, bill: 0, payment: 0 });
  // A step read to its end but with records still to handle is not finished.
  assert.deepEqual(Object.fromEntries(stepLevels([finishedVendor, { ...bill, done: 9 }, payment])), { vendor: 0, bill: 0, payment: 1 });
});

test('a step that waits for the bills is added after them, not hidden beside them', () => {
  // Bills: 10 records to write in one batch at 300 ms on BILL (two calls in flight allowed): 300 ms left.
  const vendor = step('vendor', { done: 10, sent: 10, writeCalls: 1, writeBusyMs: 300, writeSpanMs: 300, writeActiveMs: 300 });
  const bill = step('bill', { dependsOn: ['vendor'], overlapsDependencies: true });
  // Payments back: its listing not read yet, one page on BILL at 300 ms, nothing to write.
  const waiting = step('payment', { dependsOn: ['bill'], sourceSystem: 'bill', targetSystem: 'erp', readPages: 0, readItems: 0, readCalls: 0, readBusyMs: 0, total: null, readDone: false });
  const serial = estimateRunning(observe([vendor, bill, waiting]), allowances);
  const beside = estimateRunning(observe([vendor, bill, { ...waiting, dependsOn: [] }]), allowances);
  assert.equal(beside.remainingMs, 300, 'beside the bills, the payments page takes BILL\'s other slot and hides in their time');
  assert.equal(serial.remainingMs, 600, 'after the bills, the payments page follows their 300 ms');
  assert.deepEqual(serial.callsLeft, beside.callsLeft, 'the order changes the time, not the calls');
});
