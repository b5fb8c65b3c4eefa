import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMoney, money, parseMoney } from '../../src/core/money.ts';
import type { Bill } from '../../src/model/types.ts';
import type { PaymentPayload } from '../../src/model/payloads.ts';
import { AcumaticaPort } from '../../src/systems/acumatica/port.ts';
import { startAcumaticaHarness } from './acumatica-harness.ts';

const target = { cashAccount: '10100', paymentMethod: 'CHECK' };

async function allBills(port: AcumaticaPort, since: string | null): Promise<{ bills: Bill[]; cursor: string | null; pages: number }> {
  const bills: Bill[] = [];
  let cursor: string | null = since;
  let pages = 0;
  for await (const page of port.read.bill.iterate(since)) {
    bills.push(...page.items);
    assert.equal(page.invalid.length, 0, JSON.stringify(page.invalid));
    cursor = page.cursor;
    pages += 1;
  }
  return { bills, cursor, pages };
}

function payment(bill: Bill, amount: string, n: number): PaymentPayload {
  return { erpBillId: bill.id, amount: parseMoney(amount, bill.currency), date: '2025-04-01', reference: `BILL pay0${n} blp0${n}`, applicationId: `blp0${n}` };
}

test('Acumatica port: bills are read page by page with their status and kind; the checkpoint brings back only what changed since', async () => {
  const h = await startAcumaticaHarness({ seed: 11, initialSeed: { vendors: 12, bills: 30 } });
  const client = h.client({ pageSize: 7 });
  try {
    const port = new AcumaticaPort(client, { cursorOverlapMs: 0 });
    const first = await allBills(port, null);
    assert.equal(first.bills.length, 30);
    assert.ok(first.pages >= 5, 'thirty bills in pages of seven');
    assert.ok(first.cursor, 'the last page carries the checkpoint');
    assert.ok(first.bills.some((b) => b.status === 'approved') && first.bills.some((b) => b.status !== 'approved'), 'released and unreleased documents are both read');
    const open = first.bills.find((b) => b.status === 'approved' && b.amountPaid.minor === 0n)!;
    assert.ok(open.lines.length > 0 && open.lines.every((l) => l.account?.code), 'lines carry their GL account');
    assert.ok(open.lines.some((l) => l.dimensions.some((d) => d.category === 'Subaccount')), 'and their subaccount');

    const unchanged = await allBills(port, first.cursor);
    assert.equal(unchanged.bills.length, 0, 'nothing changed since the checkpoint');

    await h.control('clock', { advanceSeconds: 5 });
    const balanced = first.bills.find((b) => b.status === 'submitted');
    assert.ok(balanced, 'the seed has a balanced bill');
    const [type, ref] = balanced.id.split('|');
    await h.control('documents/ReleaseBill', { type, referenceNbr: ref });
    const delta = await allBills(port, first.cursor);
    assert.deepEqual(delta.bills.map((b) => b.id), [balanced.id]);
    assert.equal(delta.bills[0]!.status, 'approved', 'released: now Open');
    assert.ok(delta.cursor! > first.cursor!);

    const got = await port.read.bill.get([open.id, 'Bill|NOPE', 'no-keys']);
    assert.deepEqual(got.items.map((b) => b.id), [open.id]);
    assert.deepEqual(got.invalid.map((i) => i.id), ['no-keys']);
    const vendors = await port.read.vendor.get([open.vendorId]);
    assert.equal(vendors.items[0]?.id, open.vendorId);
    assert.ok((await port.chart.list()).some((a) => a.acceptsPayments && a.code === '10100'));
    assert.ok((await port.departments.list()).length > 0);
    await port.close();
    assert.equal(((await h.control('state')) as { liveSessions: number }).liveSessions, 0, 'closing the port signed the session out');
  } finally {
    await client.close();
    await h.stop();
  }
});

test('Acumatica port: a payment becomes a released Check applied to the bill, lowering its balance, and closes it when paid in full', async () => {
  const h = await startAcumaticaHarness({ seed: 12, initialSeed: { vendors: 8, bills: 20 } });
  const client = h.client();
  try {
    const port = new AcumaticaPort(client);
    const { bills } = await allBills(port, null);
    const bill = bills.find((b) => b.status === 'approved' && b.amountPaid.minor === 0n && b.total.minor > 200n)!;
    assert.ok(bill, 'an open unpaid bill');
    const part = formatMoney(money(bill.currency, bill.total.minor / 2n));
    const rest = formatMoney(money(bill.currency, bill.total.minor - bill.total.minor / 2n));

    const [first] = await port.write.payment.create([payment(bill, part, 1)], target);
    assert.ok(first?.ok, JSON.stringify(first));
    const afterFirst = (await port.read.bill.get([bill.id])).items[0]!;
    assert.equal(afterFirst.amountDue.minor, bill.total.minor - bill.total.minor / 2n, 'the balance fell by the payment');
    assert.equal(afterFirst.status, 'approved', 'still open');

    const [second] = await port.write.payment.create([payment(bill, rest, 2)], target);
    assert.ok(second?.ok);
    const paid = (await port.read.bill.get([bill.id])).items[0]!;
    assert.equal(paid.amountDue.minor, 0n);
    assert.equal(paid.status, 'paid', 'closed at zero');

    const checks = (await port.payments.findByReference(['BILL pay01 blp01', 'BILL pay02 blp02']));
    assert.deepEqual(checks.map((c) => c.Status).sort(), ['Closed', 'Closed']);
    assert.equal(checks.find((c) => c.Description === 'BILL pay01 blp01')?.PaymentRef, 'blp01');

    // Sent again (the engine lost the answer and retried without a search): the same Check, not a second one.
    const [again] = await port.write.payment.create([payment(bill, part, 1)], target);
    assert.ok(again?.ok && first?.ok && again.targetId === first.targetId);
    assert.equal((await port.payments.findByReference(['BILL pay01 blp01'])).length, 1);
  } finally {
    await client.close();
    await h.stop();
  }
});

test('Acumatica port: after a lost answer the search by reference finds the payment, releasing one left unreleased; a payment taken back is voided', async () => {
  const h = await startAcumaticaHarness({ seed: 13, initialSeed: { vendors: 8, bills: 20 } });
  const client = h.client();
  try {
    const port = new AcumaticaPort(client);
    const since = new Date(Date.now() - 60_000);
    const { bills } = await allBills(port, null);
    const bill = bills.find((b) => b.status === 'approved' && b.amountPaid.minor === 0n)!;
    const [type, ref] = bill.id.split('|');
    const amount = Number(formatMoney(bill.total));
    // The Check was saved but the answer (and so the release) was lost.
    await h.control('checks', {
      record: {
        Type: { value: 'Payment' }, Vendor: { value: bill.vendorId }, PaymentMethod: { value: 'CHECK' }, CashAccount: { value: '10100' },
        PaymentAmount: { value: amount }, Description: { value: 'BILL pay09 blp09' }, Hold: { value: false },
        Details: [{ DocType: { value: type }, ReferenceNbr: { value: ref }, AmountPaid: { value: amount } }],
      },
    });
    assert.equal((await port.read.bill.get([bill.id])).items[0]!.amountDue.minor, bill.total.minor, 'not applied yet');
    const found = await port.write.payment.findByMatchKey(['BILL pay09 blp09', 'BILL nothing'], since);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.key, 'BILL pay09 blp09');
    const closed = (await port.read.bill.get([bill.id])).items[0]!;
    assert.equal(closed.status, 'paid', 'the search released it, so the bill is paid');

    await port.write.payment.delete!(found[0]!.id);
    const reopened = (await port.read.bill.get([bill.id])).items[0]!;
    assert.equal(reopened.amountDue.minor, bill.total.minor, 'voiding gave the bill its balance back');
    assert.equal((await port.write.payment.findByMatchKey(['BILL pay09 blp09'], since)).length, 0, 'a voided payment is not found');
  } finally {
    await client.close();
    await h.stop();
  }
});

test('Acumatica port: a Check whose answer is lost is ambiguous, never sent twice, and the search finds and releases it', async () => {
  const h = await startAcumaticaHarness({ seed: 14, initialSeed: { vendors: 8, bills: 20 } });
  const client = h.client();
  try {
    const { isAmbiguousWrite } = await import('../../src/http/ambiguous-write-error.ts');
    const port = new AcumaticaPort(client);
    const since = new Date(Date.now() - 60_000);
    const { bills } = await allBills(port, null);
    const bill = bills.find((b) => b.status === 'approved' && b.amountPaid.minor === 0n)!;
    await h.control('faults', { script: [{ fault: 'lost_response' }], pathPattern: '/Check(\\?|$)', methods: ['PUT'] });
    await assert.rejects(port.write.payment.create([payment(bill, formatMoney(bill.total), 5)], target), (e: unknown) => isAmbiguousWrite(e));
    const calls = await h.calls();
    assert.equal(Object.entries(calls).filter(([k]) => /^PUT .*\/Check$/.test(k)).reduce((n, [, v]) => n + v, 0), 1, 'the PUT was not repeated');
    const found = await port.write.payment.findByMatchKey(['BILL pay05 blp05'], since);
    assert.equal(found.length, 1);
    assert.equal((await port.read.bill.get([bill.id])).items[0]!.status, 'paid', 'found, released, and the bill closed');
  } finally {
    await client.close();
    await h.stop();
  }
});
