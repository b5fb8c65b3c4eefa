/**
 * BILL as the source of vendors and bills (BILL → QBO), over HTTP against the BILL emulator: delta
 * pages oldest first with a checkpoint per page that overlaps the newest change, paging by token,
 * one malformed record isolated, reads by id in one list call, every bill status value mapped on
 * purpose, and archived vendors read as inactive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from '../../src/engine/ports.ts';
import type { Bill, Vendor } from '../../src/model/types.ts';
import { BillPort } from '../../src/systems/bill/port.ts';
import { startBillHarness, type BillHarness } from './bill-harness.ts';

async function collect<T>(pages: AsyncIterable<Page<T>>): Promise<Page<T>[]> {
  const out: Page<T>[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

const items = <T>(pages: Page<T>[]): T[] => pages.flatMap((p) => p.items);
const lastCursor = <T>(pages: Page<T>[]): string | null => pages[pages.length - 1]?.cursor ?? null;

async function override(h: BillHarness, id: string, set: Record<string, unknown>, remove: string[] = []): Promise<void> {
  const res = await fetch(`${h.emu.urls.base}/_emulator/wire-overrides`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, set, remove }) });
  assert.equal(res.status, 200, await res.text());
}

function open(h: BillHarness, options: { cursorOverlapMs?: number } = {}) {
  const org = h.client().forOrg(h.emu.sandbox.organizationId);
  return { org, port: new BillPort(org, 'USD', options) };
}

const calls = async (h: BillHarness, key: string) => (await h.stats()).callsByEndpoint[key] ?? 0;

test('BILL source: vendors changed since the checkpoint, oldest first; the checkpoint overlaps the newest change', async () => {
  const h = await startBillHarness({ seed: 31, initialSeed: { vendors: 4, bills: 0 } });
  try {
    const { org, port } = open(h);
    const first = await collect(port.read.vendor.iterate(null));
    const all = items(first);
    assert.equal(all.length, 4);
    const stamps = all.map((v) => Date.parse(v.updatedAt));
    assert.deepEqual(stamps, [...stamps].sort((a, b) => a - b), 'oldest first');
    const cursor = lastCursor(first);
    assert.equal(cursor, new Date(Math.max(...stamps) - 5_000).toISOString(), 'the newest change less the 5 s overlap');

    const changed = await org.updateVendor(all[0]!.id, { phone: '+1 555 0100' });
    const next = items(await collect(port.read.vendor.iterate(cursor)));
    assert.ok(next.some((v) => v.id === changed.id && v.phone === '+1 555 0100'), 'the vendor changed after the checkpoint is read');
    for (const v of next) assert.ok(Date.parse(v.updatedAt) > Date.parse(cursor!), `only records changed after the checkpoint (${v.name})`);
  } finally {
    await h.stop();
  }
});

test('BILL source: a record saved in the same second as the newest one read, but seen later, is not missed', async () => {
  const h = await startBillHarness({ seed: 32, initialSeed: { vendors: 2, bills: 0 } });
  try {
    const { org, port } = open(h);
    const { port: noOverlap } = open(h, { cursorOverlapMs: 0 });
    const newest = await org.updateVendor(items(await collect(port.read.vendor.iterate(null)))[0]!.id, { email: 'ap@northwind.example' });
    const read = await collect(port.read.vendor.iterate(null));
    const exact = await collect(noOverlap.read.vendor.iterate(null));
    // A vendor whose save committed after that read, stamped 400 ms before the newest change read.
    const late = await org.createVendor({ name: 'Late Commit Supplies' });
    h.emu.state.org(h.emu.sandbox.organizationId)!.vendors.get(late.id)!.updatedTime = Date.parse(newest.updatedTime) - 400;

    const next = items(await collect(port.read.vendor.iterate(lastCursor(read))));
    assert.ok(next.some((v) => v.id === late.id), 'read through the overlap');
    const missed = items(await collect(noOverlap.read.vendor.iterate(lastCursor(exact))));
    assert.ok(!missed.some((v) => v.id === late.id), 'without the overlap it would have been missed');
  } finally {
    await h.stop();
  }
});

test('BILL source: bills page 100 at a time by token, each page with its checkpoint, and a read resumes from one', async () => {
  const h = await startBillHarness({ seed: 33, initialSeed: { vendors: 5, bills: 230 } });
  try {
    const { port } = open(h);
    const before = await calls(h, 'GET /connect/v3/bills');
    const pages = await collect(port.read.bill.iterate(null));
    assert.deepEqual(pages.map((p) => p.items.length), [100, 100, 30]);
    assert.equal((await calls(h, 'GET /connect/v3/bills')) - before, 4, 'one call per page of active bills, one for the archived ones');
    const ids = items(pages).map((b) => b.id);
    assert.equal(new Set(ids).size, 230, 'no bill twice across pages');
    const cursors = pages.map((p) => Date.parse(p.cursor!));
    assert.deepEqual(cursors, [...cursors].sort((a, b) => a - b), 'checkpoints never move back');
    const stamps = items(pages).map((b) => Date.parse(b.updatedAt));
    assert.deepEqual(stamps, [...stamps].sort((a, b) => a - b), 'oldest first across pages');

    // Stopped after the first page: resuming from its checkpoint reads everything after it.
    const resumed = items(await collect(port.read.bill.iterate(pages[0]!.cursor)));
    const after = new Set(items(pages).filter((b) => Date.parse(b.updatedAt) > cursors[0]!).map((b) => b.id));
    assert.ok(after.size >= 130);
    assert.deepEqual(new Set(resumed.map((b) => b.id)), after);
  } finally {
    await h.stop();
  }
});

test('BILL source: a malformed vendor or bill is invalid on its own, naming the field; the rest of the page is read', async () => {
  const h = await startBillHarness({ seed: 34, initialSeed: { vendors: 3, bills: 6 } });
  try {
    const { port } = open(h);
    const vendors = items(await collect(port.read.vendor.iterate(null)));
    const bills = items(await collect(port.read.bill.iterate(null)));
    await override(h, vendors[1]!.id, { name: 42 });
    const vendorPage = (await collect(port.read.vendor.iterate(null)))[0]!;
    assert.deepEqual(vendorPage.items.map((v) => v.id), [vendors[0]!.id, vendors[2]!.id]);
    assert.equal(vendorPage.invalid.length, 1);
    assert.equal(vendorPage.invalid[0]!.id, vendors[1]!.id);
    assert.match(vendorPage.invalid[0]!.reason, /^name: /);
    assert.equal(vendorPage.invalid[0]!.code, 'MLC_ERR_BAD_RESPONSE');

    // The vendor sent as it is again (its bills would wait for it: see below), three bills malformed.
    assert.equal((await fetch(`${h.emu.urls.base}/_emulator/wire-overrides`, { method: 'DELETE' })).status, 200);
    await override(h, bills[0]!.id, { dueDate: '31/12/2025' });
    await override(h, bills[2]!.id, { 'billLineItems.0.amount': 12.345 });
    await override(h, bills[4]!.id, {}, ['vendorId']);
    const billPage = (await collect(open(h).port.read.bill.iterate(null)))[0]!;
    assert.equal(billPage.items.length, 3);
    const reasons = new Map(billPage.invalid.map((r) => [r.id, r]));
    assert.match(reasons.get(bills[0]!.id)!.reason, /dueDate/);
    assert.equal(reasons.get(bills[0]!.id)!.label, bills[0]!.invoiceNumber, 'named by its invoice number');
    assert.match(reasons.get(bills[2]!.id)!.reason, /^billLineItems\[0\]\.amount: /, 'too many decimals for USD');
    assert.match(reasons.get(bills[4]!.id)!.reason, /vendorId/);
    assert.equal(billPage.cursor, new Date(Math.max(...bills.map((b) => Date.parse(b.updatedAt))) - 5_000).toISOString(), 'the checkpoint passes the invalid ones too');
  } finally {
    await h.stop();
  }
});

test('BILL source: vendors and bills by id in one list call each; an id BILL does not hold is left out', async () => {
  const h = await startBillHarness({ seed: 35, initialSeed: { vendors: 4, bills: 8 } });
  try {
    const { org, port } = open(h);
    const eur = await org.createVendor({
      name: 'Rheinwerk GmbH', email: 'ap@rheinwerk.example', phone: '+49 30 1234', billCurrency: 'EUR',
      address: { line1: 'Hauptstr. 1', city: 'Berlin', zipOrPostalCode: '10115', country: 'DE' }, additionalInfo: { taxId: 'DE123456789' },
    });
    const [account] = await org.listChartOfAccounts({ filters: [{ field: 'name', op: 'eq', value: 'Rent' }] });
    const [department] = await org.listDepartments({ filters: [{ field: 'name', op: 'eq', value: 'Sales' }] });
    const eurBill = await org.createBill({
      vendorId: eur.id, dueDate: '2026-01-31', invoice: { invoiceNumber: 'RW-9', invoiceDate: '2026-01-01' },
      billLineItems: [
        { amount: '100.10', description: 'Studio rent', classifications: { chartOfAccountId: account!.id, departmentId: department!.id } },
        { amount: '20.05', description: 'Uncoded' },
      ],
    });
    const seeded = items(await collect(port.read.bill.iterate(null))).filter((b) => b.id !== eurBill.id).slice(0, 3);

    const beforeBills = await calls(h, 'GET /connect/v3/bills');
    const got = await port.read.bill.get([...seeded.map((b) => b.id), eurBill.id, '00n01NotABillAtAll00']);
    assert.equal((await calls(h, 'GET /connect/v3/bills')) - beforeBills, 2, 'one id:in list call, and one asking for the id it did not return as an archived bill');
    assert.equal(await calls(h, 'GET /connect/v3/bills/:billId'), 0, 'no GET per bill');
    assert.deepEqual(new Set(got.items.map((b) => b.id)), new Set([...seeded.map((b) => b.id), eurBill.id]));
    const bill = got.items.find((b) => b.id === eurBill.id)!;
    assert.deepEqual(
      { currency: bill.currency, total: bill.total.minor, due: bill.amountDue.minor, paid: bill.amountPaid.minor, status: bill.status, invoice: bill.invoiceNumber, date: bill.invoiceDate, dueDate: bill.dueDate },
      { currency: 'EUR', total: 12015n, due: 12015n, paid: 0n, status: 'approved', invoice: 'RW-9', date: '2026-01-01', dueDate: '2026-01-31' },
    );
    assert.deepEqual(bill.lines.map((l) => ({ d: l.description, a: l.amount.minor, account: l.account, dims: l.dimensions })), [
      { d: 'Studio rent', a: 10010n, account: { id: account!.id, code: null }, dims: [{ category: 'Department', option: department!.id }] },
      { d: 'Uncoded', a: 2005n, account: null, dims: [] },
    ]);

    const odd = await port.read.bill.get(['00n,"x"', seeded[0]!.id]);
    assert.deepEqual(odd.items.map((b) => b.id), [seeded[0]!.id], 'an id that is not BILL-shaped does not break the others');
    assert.deepEqual(odd.invalid.map((r) => [r.id, r.code]), [['00n,"x"', 'MLC_ERR_NOT_FOUND']]);

    const vendors = await port.read.vendor.get([eur.id, '00901NotAVendor00000']);
    assert.deepEqual(vendors.items.map((v: Vendor) => ({ ...v, updatedAt: '' })), [{
      id: eur.id, name: 'Rheinwerk GmbH', email: 'ap@rheinwerk.example', phone: '+49 30 1234', taxId: 'DE123456789', currency: 'EUR', active: true, updatedAt: '',
      address: { line1: 'Hauptstr. 1', line2: null, city: 'Berlin', region: null, postalCode: '10115', country: 'DE' },
    }]);
  } finally {
    await h.stop();
  }
});

test('BILL source: every documented bill status value maps on purpose; an unknown one is safe and kept as text', async () => {
  const cases: { set: Record<string, unknown>; status: Bill['status']; text: RegExp }[] = [
    { set: { approvalStatus: 'UNDEFINED', paymentStatus: 'UNPAID' }, status: 'approved', text: /UNDEFINED/ },
    { set: { approvalStatus: 'APPROVED', paymentStatus: 'SCHEDULED' }, status: 'approved', text: /SCHEDULED/ },
    { set: { approvalStatus: 'UNASSIGNED', paymentStatus: 'PARTIAL' }, status: 'approved', text: /PARTIAL/ },
    { set: { approvalStatus: 'ASSIGNED', paymentStatus: 'UNPAID' }, status: 'submitted', text: /ASSIGNED/ },
    { set: { approvalStatus: 'APPROVING', paymentStatus: 'UNDEFINED' }, status: 'submitted', text: /APPROVING/ },
    { set: { approvalStatus: 'DENIED', paymentStatus: 'UNPAID' }, status: 'draft', text: /DENIED/ },
    { set: { approvalStatus: 'APPROVED', paymentStatus: 'PAID' }, status: 'paid', text: /paymentStatus PAID/ },
    { set: { approvalStatus: 'APPROVED', paymentStatus: 'PAID', archived: true }, status: 'voided', text: /archived/ },
    { set: { approvalStatus: 'ESCALATED_TO_CFO', paymentStatus: 'UNPAID' }, status: 'submitted', text: /ESCALATED_TO_CFO/ },
    { set: { approvalStatus: 'APPROVED', paymentStatus: 'IN_LIMBO' }, status: 'approved', text: /IN_LIMBO/ },
  ];
  const h = await startBillHarness({ seed: 36, initialSeed: { vendors: 2, bills: cases.length } });
  try {
    const { port } = open(h);
    const bills = items(await collect(port.read.bill.iterate(null)));
    for (const [i, c] of cases.entries()) await override(h, bills[i]!.id, c.set);
    const read = await port.read.bill.get(bills.map((b) => b.id));
    assert.equal(read.invalid.length, 0);
    const byId = new Map(read.items.map((b) => [b.id, b]));
    for (const [i, c] of cases.entries()) {
      const b = byId.get(bills[i]!.id)!;
      assert.equal(b.status, c.status, JSON.stringify(c.set));
      assert.match(b.statusText ?? '', c.text);
    }
  } finally {
    await h.stop();
  }
});

test('BILL source: an archived vendor is read as inactive, its archived bills as voided, whether or not BILL lists archived records by default', async () => {
  for (const listArchived of [true, false]) await archivedCase(listArchived);
});

async function archivedCase(listArchived: boolean): Promise<void> {
  const h = await startBillHarness({ seed: 37, listArchived, initialSeed: { vendors: 2, bills: 2 } });
  try {
    const { org, port } = open(h);
    const [first] = items(await collect(port.read.vendor.iterate(null)));
    const bills = items(await collect(port.read.bill.iterate(null)));
    await org.archiveBill(bills[0]!.id);
    await org.archiveVendor(first!.id);
    const vendors = items(await collect(port.read.vendor.iterate(null)));
    assert.equal(vendors.find((v) => v.id === first!.id)?.active, false);
    assert.ok(vendors.filter((v) => v.id !== first!.id).every((v) => v.active));
    const after = await port.read.bill.get([bills[0]!.id]);
    assert.equal(after.items[0]?.status, 'voided', `listArchived ${listArchived}: read by id`);
    const delta = items(await collect(port.read.bill.iterate(null)));
    // The active vendor changes after the archive: it comes after the archived one.
    await org.updateVendor(vendors.find((v) => v.id !== first!.id)!.id, { phone: '+1 555 0199' });
    const stamps = items(await collect(port.read.vendor.iterate(null))).map((v) => Date.parse(v.updatedAt));
    assert.deepEqual(stamps, [...stamps].sort((a, b) => a - b), 'archived and active vendors merged oldest first');
    assert.equal(delta.find((b) => b.id === bills[0]!.id)?.status, 'voided', `listArchived ${listArchived}: in the delta read`);
    assert.equal((await port.read.vendor.get([first!.id])).items[0]?.active, false);
  } finally {
    await h.stop();
  }
}

test('BILL source: recurring bills are listed with vendor, amount, frequency and next date; each bill they make is read like any other', async () => {
  const h = await startBillHarness({ seed: 38, initialSeed: { vendors: 2, bills: 1 } });
  try {
    const { org, port } = open(h);
    const vendor = await org.createVendor({ name: 'Canal Street Lofts', billCurrency: 'CAD' });
    const today = new Date(h.emu.ctx.clock.now()).toISOString().slice(0, 10);
    const nextDueDate = new Date(h.emu.ctx.clock.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const cursor = lastCursor(await collect(port.read.bill.iterate(null)));
    const created = await org.createRecurringBill({
      vendorId: vendor.id, description: 'Loft rent',
      schedule: { period: 'MONTHLY', frequency: 2, nextDueDate, daysInAdvance: 3 },
      recurringBillLineItems: [{ amount: '2400.00', description: 'Rent' }, { amount: '99.95', description: 'Parking' }],
    });
    // Its making date is today (due in 3 days, made 3 days ahead): the next request makes the bill.
    const listed = await port.recurringBills.list();
    assert.equal(listed.invalid.length, 0);
    const summary = listed.items.find((r) => r.id === created.id)!;
    assert.deepEqual({ ...summary, amount: `${summary.amount.minor} ${summary.amount.currency}` }, {
      id: created.id, vendorId: vendor.id, vendorName: 'Canal Street Lofts', description: 'Loft rent', amount: '249995 CAD',
      period: 'MONTHLY', every: 2, frequencyLabel: 'Every 2 months', nextDueDate: summary.nextDueDate, endDate: null, daysInAdvance: 3, archived: false,
    });
    assert.ok(summary.nextDueDate! > nextDueDate, `the schedule moved past ${nextDueDate} once its bill was made (${today})`);

    const made = items(await collect(port.read.bill.iterate(cursor))).filter((b) => b.vendorId === vendor.id);
    assert.equal(made.length, 1, 'the bill it made is read by the delta read');
    assert.deepEqual({ due: made[0]!.dueDate, total: made[0]!.total.minor, currency: made[0]!.currency, status: made[0]!.status }, { due: nextDueDate, total: 249995n, currency: 'CAD', status: 'approved' });
  } finally {
    await h.stop();
  }
});

test('BILL source: bills of a vendor whose record cannot be read are invalid, naming it; the other bills are read', async () => {
  const h = await startBillHarness({ seed: 39, initialSeed: { vendors: 3, bills: 9 } });
  try {
    const seeded = items(await collect(open(h).port.read.bill.iterate(null)));
    const broken = seeded[0]!.vendorId;
    await override(h, broken, { billCurrency: 7 });
    // A fresh port, as a new run opens one: the vendor is read with the bills.
    const { port } = open(h);
    const page = (await collect(port.read.bill.iterate(null)))[0]!;
    const ofBroken = seeded.filter((b) => b.vendorId === broken).map((b) => b.id);
    assert.deepEqual(new Set(page.invalid.map((r) => r.id)), new Set(ofBroken));
    for (const r of page.invalid) assert.match(r.reason, new RegExp(`^vendorId: vendor ${broken} could not be read \\(billCurrency: `));
    assert.equal(page.items.length, seeded.length - ofBroken.length);
    const vendors = (await collect(port.read.vendor.iterate(null)))[0]!;
    assert.deepEqual(vendors.invalid.map((r) => r.id), [broken]);
  } finally {
    await h.stop();
  }
});

test('BILL source: the end of a list is found whether BILL omits nextPage, nulls it or leaves it empty', async () => {
  for (const listEndStyle of ['omit', 'null', 'empty'] as const) {
    const h = await startBillHarness({ seed: 40, listEndStyle, initialSeed: { vendors: 120, bills: 0 } });
    try {
      const before = await calls(h, 'GET /connect/v3/vendors');
      const pages = await collect(open(h).port.read.vendor.iterate(null));
      assert.deepEqual(pages.map((p) => p.items.length), [100, 20], listEndStyle);
      assert.equal((await calls(h, 'GET /connect/v3/vendors')) - before, 3, `${listEndStyle}: two pages of active vendors and one of archived ones, no call past the last page`);
    } finally {
      await h.stop();
    }
  }
});
