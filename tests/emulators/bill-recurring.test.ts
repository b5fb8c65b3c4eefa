/**
 * BILL emulator: recurring bills (`/v3/recurringbills`, v3 Postman collection): create, list with
 * BILL's list rules, get, archive/restore, and the ordinary bills they make on their dates as the
 * emulator clock moves.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBillEmulator, type BillEmulator } from '../../src/emulators/bill/index.ts';
import { occurrenceDate } from '../../src/emulators/bill/recurring.ts';
import { Client, advance, control, errorCodes } from './bill-helpers.ts';

const day = 86_400_000;

describe('BILL emulator: recurring bills', () => {
  let bill: BillEmulator;
  let c: Client;
  let vendorId: string;
  let accountId: string;
  /** yyyy-MM-dd `days` from the emulator's today. */
  const inDays = (days: number) => new Date(bill.ctx.clock.now() + days * day).toISOString().slice(0, 10);
  const template = (over: Record<string, unknown> = {}) => ({
    vendorId,
    description: 'Studio rent',
    schedule: { period: 'MONTHLY', frequency: 1, nextDueDate: inDays(10), daysInAdvance: 5 },
    recurringBillLineItems: [{ amount: 1200, description: 'Rent', classifications: { chartOfAccountId: accountId } }, { amount: 35.5, description: 'Service charge' }],
    ...over,
  });
  /** Moves the emulator clock on; a jump of days outlasts BILL's 35-minute session, so sign in again. */
  const jump = async (seconds: number) => {
    await advance(bill, seconds);
    c = await Client.open(bill);
  };
  let otherVendorId: string;

  before(async () => {
    bill = await startBillEmulator({ seed: 61, initialSeed: { vendors: 3, bills: 0 } });
    c = await Client.open(bill);
    [vendorId, otherVendorId] = (await c.get('/vendors?max=2')).body.results.map((v: { id: string }) => v.id);
    accountId = (await c.get(`/classifications/chart-of-accounts?filters=${encodeURIComponent('name:eq:"Rent"')}`)).body.results[0].id;
  });
  after(() => bill.stop());

  test('create answers 201 with a btp id and the fields of the collection\'s example', async () => {
    const res = await c.post('/recurringbills', { ...template(), processingOptions: { autoPayment: false }, paymentInformation: { bankAccountId: 'bac01SandboxAccount0' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.match(res.body.id, /^btp/);
    // Field names as in [BPM] "Create a recurring bill" (201 example).
    assert.deepEqual(Object.keys(res.body).sort(), ['archived', 'createdTime', 'description', 'id', 'paymentInformation', 'processingOptions', 'recurringBillLineItems', 'schedule', 'updatedTime', 'vendorId']);
    assert.deepEqual(Object.keys(res.body.schedule).sort(), ['daysInAdvance', 'frequency', 'nextDueDate', 'period']);
    assert.deepEqual(res.body.recurringBillLineItems.map((l: { amount: number; description: string }) => [l.amount, l.description]), [[1200, 'Rent'], [35.5, 'Service charge']]);
    assert.deepEqual(res.body.recurringBillLineItems[0].classifications, { chartOfAccountId: accountId });
    const got = await c.get(`/recurringbills/${res.body.id}`);
    assert.deepEqual(got.body, res.body);
  });

  test('a bad body is refused with BDC_1002 naming each problem, and nothing is created', async () => {
    const before = (await c.get('/recurringbills?max=100')).body.results.length;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ schedule: undefined }, /schedule is required/],
      [{ schedule: { period: 'DAILY', frequency: 1, nextDueDate: inDays(3) } }, /period must be one of WEEKLY, MONTHLY, YEARLY/],
      [{ schedule: { period: 'WEEKLY', frequency: 1, nextDueDate: '2026-02-30' } }, /nextDueDate must be a date/],
      [{ schedule: { period: 'WEEKLY', frequency: 1, nextDueDate: inDays(9), endDate: inDays(3) } }, /endDate cannot be before/],
      [{ schedule: { period: 'WEEKLY', frequency: 0, nextDueDate: inDays(9) } }, /frequency must be between 1 and 99/],
      [{ recurringBillLineItems: [] }, /at least one line item/],
      [{ recurringBillLineItems: [{ amount: 1.234 }] }, /recurringBillLineItems\[0\]\.amount/],
      [{ recurringBillLineItems: [{ amount: 5, chartOfAccountId: accountId }] }, /chartOfAccountId is not a known field/],
      [{ vendorId: '00901NoSuchVendor000' }, /is not a vendor/],
      [{ autoPay: true }, /autoPay is not a known field/],
    ];
    for (const [over, message] of cases) {
      const res = await c.post('/recurringbills', template(over));
      assert.equal(res.status, 400, JSON.stringify(over));
      assert.deepEqual(errorCodes(res), ['BDC_1002']);
      assert.match(JSON.stringify(res.body), message);
    }
    assert.equal((await c.get('/recurringbills?max=100')).body.results.length, before);
  });

  test('the list follows BILL\'s list rules: max up to 100, whitelisted filters and sorts, page tokens; unknown ids are 404', async () => {
    for (let i = 0; i < 3; i += 1) assert.equal((await c.post('/recurringbills', template({ description: `Licence ${i}` }))).status, 201);
    const first = await c.get('/recurringbills?max=2&sort=createdTime:asc');
    assert.equal(first.body.results.length, 2);
    const second = await c.get(`/recurringbills?max=2&sort=createdTime:asc&page=${encodeURIComponent(first.body.nextPage)}`);
    assert.ok(second.body.results.length >= 1);
    assert.ok(!second.body.results.some((r: { id: string }) => first.body.results.some((f: { id: string }) => f.id === r.id)));
    const mine = await c.get(`/recurringbills?filters=${encodeURIComponent(`vendorId:eq:"${vendorId}",archived:eq:false`)}`);
    assert.ok(mine.body.results.length >= 3 && mine.body.results.every((r: { vendorId: string }) => r.vendorId === vendorId));
    for (const query of ['max=101', 'max=0', 'filters=amount:gt:5', 'filters=vendorId:sw:"009"', 'sort=amount:asc', 'filter=id:eq:"x"']) {
      const res = await c.get(`/recurringbills?${query}`);
      assert.equal(res.status, 400, query);
      assert.deepEqual(errorCodes(res), ['BDC_1002'], query);
    }
    const unknown = await c.get('/recurringbills/btp01NoSuchTemplate0');
    assert.equal(unknown.status, 404);
    assert.deepEqual(errorCodes(unknown), ['BDC_1205']);
  });

  test('on its making date (due date less days in advance) it makes an ordinary bill, and the schedule moves on', async () => {
    const due = inDays(10);
    // Another vendor than the other tests' templates, whose bills fall due at the same time.
    const created = (await c.post('/recurringbills', template({ vendorId: otherVendorId, schedule: { period: 'MONTHLY', frequency: 1, nextDueDate: due, daysInAdvance: 5 } }))).body;
    const watermark = new Date(bill.ctx.clock.now()).toISOString();
    await jump(4 * 86_400);
    assert.equal((await c.get(`/recurringbills/${created.id}`)).body.schedule.nextDueDate, due, 'not yet: 6 days before the due date');
    await jump(1 * 86_400 + 60);
    const after = (await c.get(`/recurringbills/${created.id}`)).body;
    assert.equal(after.schedule.nextDueDate, occurrenceDate(due, { period: 'MONTHLY', frequency: 1 }, 1));
    const made = (await c.get(`/bills?filters=${encodeURIComponent(`updatedTime:gt:"${watermark}",vendorId:eq:"${otherVendorId}"`)}`)).body.results;
    assert.equal(made.length, 1, 'one bill, found by a delta read past the earlier watermark');
    assert.equal(made[0].dueDate, due);
    assert.equal(made[0].invoice.invoiceNumber, `RB ${due}`);
    assert.equal(made[0].amount, 1235.5);
    assert.equal(made[0].paymentStatus, 'UNPAID');
    assert.deepEqual(made[0].billLineItems.map((l: { amount: number; description: string; classifications: unknown }) => [l.amount, l.description, l.classifications]), [
      [1200, 'Rent', { chartOfAccountId: accountId }],
      [35.5, 'Service charge', {}],
    ]);
    assert.match(made[0].billLineItems[0].id, /^bli/);
    assert.notEqual(made[0].billLineItems[0].id, created.recurringBillLineItems[0].id, 'the bill has lines of its own');
    // The bill is an ordinary bill: it can be paid.
    assert.equal(bill.pay({ billId: made[0].id }).singleStatus, 'CLEARED');
  });

  test('a clock jump makes every bill due in between, and the schedule ends at its end date', async () => {
    const first = inDays(2);
    const endDate = occurrenceDate(first, { period: 'WEEKLY', frequency: 2 }, 2);
    const r = (await c.post('/recurringbills', template({ description: 'Cleaning', schedule: { period: 'WEEKLY', frequency: 2, nextDueDate: first, endDate } }))).body;
    await jump(60 * 86_400);
    const state = (await control(bill, 'GET', '/state')).body.organizations[0];
    const made = state.bills.filter((b: { description?: string }) => b.description === 'Cleaning').map((b: { dueDate: string }) => b.dueDate);
    assert.deepEqual(made, [first, occurrenceDate(first, { period: 'WEEKLY', frequency: 2 }, 1), endDate]);
    const ended = (await c.get(`/recurringbills/${r.id}`)).body;
    assert.equal(ended.schedule.nextDueDate, undefined, 'no next date past the end date');
    assert.equal(ended.schedule.endDate, endDate);
  });

  test('an archived recurring bill makes nothing; restored, it skips the dates that went by', async () => {
    const r = (await c.post('/recurringbills', template({ description: 'Paused', schedule: { period: 'WEEKLY', frequency: 1, nextDueDate: inDays(3) } }))).body;
    assert.equal((await c.post(`/recurringbills/${r.id}/archive`)).body.archived, true);
    await jump(20 * 86_400);
    const count = async () => ((await control(bill, 'GET', '/state')).body.organizations[0].bills as { description?: string }[]).filter((b) => b.description === 'Paused').length;
    assert.equal(await count(), 0);
    const restored = (await c.post(`/recurringbills/${r.id}/restore`)).body;
    assert.equal(restored.archived, false);
    assert.ok(restored.schedule.nextDueDate > inDays(0), 'the next date is in the future');
    assert.equal(await count(), 0, 'no bills for the dates that went by');
  });

  test('the make knob makes the next bill now, whatever its date', async () => {
    const r = (await c.post('/recurringbills', template({ description: 'Yearly licence', schedule: { period: 'YEARLY', frequency: 1, nextDueDate: inDays(200) } }))).body;
    const res = await control(bill, 'POST', `/recurring-bills/${r.id}/make`);
    assert.equal(res.status, 200);
    assert.equal(res.body.bill.dueDate, r.schedule.nextDueDate);
    assert.equal(res.body.recurringBill.schedule.nextDueDate, occurrenceDate(r.schedule.nextDueDate, { period: 'YEARLY', frequency: 1 }, 1));
    assert.equal((await c.get(`/bills/${res.body.bill.id}`)).status, 200);
    assert.equal((await control(bill, 'POST', '/recurring-bills/btp01NoSuchTemplate0/make')).status, 404);
  });

  test('monthly dates count from the first one, so month ends stay month ends', () => {
    const s = { period: 'MONTHLY', frequency: 1 } as const;
    assert.deepEqual([0, 1, 2, 3].map((k) => occurrenceDate('2026-01-31', s, k)), ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
    assert.deepEqual([1, 2].map((k) => occurrenceDate('2024-02-29', { period: 'YEARLY', frequency: 1 }, k)), ['2025-02-28', '2026-02-28']);
    assert.equal(occurrenceDate('2026-12-28', { period: 'WEEKLY', frequency: 1 }, 1), '2027-01-04');
  });
});
