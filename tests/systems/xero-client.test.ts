import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ConnectorError } from '../../src/core/errors.ts';
import { isAmbiguousWrite } from '../../src/http/ambiguous-write-error.ts';
import { callsTo, startXeroHarness, type XeroHarness } from './xero-harness.ts';

test('Xero client: organisation, accounts, tracking categories and contacts by id (chunked by 50)', async () => {
  const h = await startXeroHarness({ seed: 61 });
  try {
    const tenant = h.client().forTenant(h.tenantId);
    const org = await tenant.getOrganisation();
    assert.match(org.BaseCurrency, /^[A-Z]{3}$/);
    const accounts = await tenant.listAccounts();
    assert.ok(accounts.some((a) => a.Type === 'BANK'));
    const expenses = await tenant.listAccounts({ where: 'Type=="EXPENSE"' });
    assert.ok(expenses.length > 0 && expenses.every((a) => a.Type === 'EXPENSE'));
    const [created] = await tenant.createAccounts([{ Code: '4999', Name: 'Connector Test Expense', Type: 'EXPENSE' }]);
    assert.equal(created!.Code, '4999');
    assert.ok(Array.isArray(await tenant.listTrackingCategories()));

    const contacts = [];
    for await (const page of tenant.iterateContacts({ pageSize: 5 })) contacts.push(...page.records);
    assert.ok(contacts.length > 5);
    const ids = [...contacts.map((c) => c.ContactID), ...Array.from({ length: 60 - contacts.length }, () => randomUUID())];
    await h.resetStats();
    const found = await tenant.getContactsByIds(ids);
    assert.equal(found.records.length, contacts.length);
    assert.deepEqual(found.invalid, []);
    assert.equal(callsTo(await h.stats(), /GET .*\/Contacts/), 2);
  } finally {
    await h.stop();
  }
});

test('Xero client: paged ACCPAY invoices in UpdatedDateUTC order, tenant header on every page, frozen options untouched', async () => {
  const h = await startXeroHarness({ seed: 62 });
  try {
    const tenant = h.client().forTenant(h.tenantId);
    const options = Object.freeze({ pageSize: 10 });
    const pages = [];
    for await (const page of tenant.iterateInvoices(options)) pages.push(page);
    assert.ok(pages.length >= 4, `got ${pages.length} pages`);
    const invoices = pages.flatMap((p) => p.records);
    assert.ok(invoices.every((i) => i.Type === 'ACCPAY'));
    assert.equal(new Set(invoices.map((i) => i.InvoiceID)).size, invoices.length);
    const times = invoices.map((i) => i.UpdatedDateUTC!);
    assert.deepEqual(times, [...times].sort());
    for (const p of pages) if (p.records.length > 0) assert.equal(p.maxUpdatedDateUTC, p.records.at(-1)!.UpdatedDateUTC);
    assert.deepEqual(options, { pageSize: 10 });
    // Delta: only what changed since a watermark (If-Modified-Since, second precision).
    const mark = times[Math.floor(times.length / 2)]!;
    const newer = [];
    for await (const page of tenant.iterateInvoices({ modifiedSince: mark })) newer.push(...page.records);
    assert.ok(newer.length > 0 && newer.length < invoices.length);
    assert.ok(newer.every((i) => Date.parse(i.UpdatedDateUTC!) >= Math.floor(Date.parse(mark) / 1000) * 1000));
    const byId = await tenant.getInvoicesByIds(invoices.slice(0, 3).map((i) => i.InvoiceID));
    assert.equal(byId.records.length, 3);
  } finally {
    await h.stop();
  }
});

test('Xero client: contacts, bills and per-element payment results; payments found by reference and deleted', async () => {
  const h = await startXeroHarness({ seed: 63 });
  try {
    const tenant = h.client().forTenant(h.tenantId);
    const accounts = await tenant.listAccounts();
    const expense = accounts.find((a) => a.Type === 'EXPENSE' && a.Code)!;
    const bank = accounts.find((a) => a.Type === 'BANK')!;
    const org = await tenant.getOrganisation();
    const contact = (await tenant.createContacts([Object.freeze({ Name: `Supplier ${randomUUID().slice(0, 8)}`, ContactNumber: 'BILL-009x' })]))[0]!;
    assert.ok(contact.ok);
    const contactId = contact.ok ? contact.record.ContactID : '';
    const duplicate = await tenant.createContacts([{ Name: contact.ok ? contact.record.Name : '' }]);
    assert.ok(!duplicate[0]!.ok && duplicate[0]!.error.code === 'MLC_ERR_VALIDATION' && /unique/i.test(duplicate[0]!.error.message));

    const billInput = Object.freeze({
      Type: 'ACCPAY' as const,
      Contact: { ContactID: contactId },
      Status: 'AUTHORISED' as const,
      Date: '2026-10-01',
      DueDate: '2026-10-31',
      InvoiceNumber: 'SUP-1001',
      CurrencyCode: org.BaseCurrency,
      LineAmountTypes: 'NoTax' as const,
      LineItems: [{ Description: 'Paper', Quantity: '3', UnitAmount: '33.37', AccountCode: expense.Code! }],
    });
    const bill = (await tenant.createInvoices([billInput]))[0]!;
    assert.ok(bill.ok);
    const invoice = bill.ok ? bill.record : undefined;
    assert.equal(invoice!.Total, '100.11');
    const updated = await tenant.updateInvoice(invoice!.InvoiceID, { DueDate: '2026-11-15' });
    assert.equal(updated.DueDate, '2026-11-15');

    const ref = `mlc-pay-${randomUUID().slice(0, 8)}`;
    const results = await tenant.createPayments([
      { Invoice: { InvoiceID: invoice!.InvoiceID }, Account: { AccountID: bank.AccountID }, Date: '2026-10-05', Amount: '40.11', Reference: ref },
      { Invoice: { InvoiceID: invoice!.InvoiceID }, Account: { AccountID: bank.AccountID }, Date: '2026-10-05', Amount: '999.00', Reference: `${ref}-too-much` },
    ]);
    assert.equal(results.length, 2);
    assert.ok(results[0]!.ok);
    assert.ok(!results[1]!.ok);
    if (!results[1]!.ok) assert.match(results[1]!.error.message, /exceeds the amount outstanding/);
    const [after] = (await tenant.getInvoicesByIds([invoice!.InvoiceID])).records;
    assert.equal(after!.AmountDue, '60');

    const found = await tenant.findPaymentsByReference([ref, 'no such "ref"']);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.Amount, '40.11');
    const deleted = await tenant.deletePayment(found[0]!.PaymentID!);
    assert.equal(deleted.Status, 'DELETED');
    // Deleting it again (as after an answer lost the first time) is done, not an error.
    const again = await tenant.deletePayment(found[0]!.PaymentID!);
    assert.deepEqual([again.PaymentID, again.Status], [found[0]!.PaymentID, 'DELETED']);
    const [restored] = (await tenant.getInvoicesByIds([invoice!.InvoiceID])).records;
    assert.equal(restored!.AmountDue, '100.11');
  } finally {
    await h.stop();
  }
});

test('Xero client: a lost answer to PUT /Payments is ambiguous and not repeated; an Idempotency-Key makes it safe to repeat', async () => {
  const h = await startXeroHarness({ seed: 64 });
  try {
    const tenant = h.client().forTenant(h.tenantId);
    const { bank, open } = await bankAndOpenBills(tenant);
    const target = open.find((i) => Number(i.AmountDue) >= 2)!;
    const ref = `mlc-lost-${randomUUID().slice(0, 8)}`;
    await h.faults({ lostResponseRate: 1, pathPattern: 'Payments' });
    await assert.rejects(
      tenant.createPayments([{ Invoice: { InvoiceID: target.InvoiceID }, Account: { AccountID: bank.AccountID }, Date: '2026-10-05', Amount: '1.00', Reference: ref }]),
      (e: unknown) => isAmbiguousWrite(e) && /PUT \/api\.xro\/2\.0\/Payments/.test((e as Error).message),
    );
    await h.faults({});
    assert.equal(callsTo(await h.stats(), /PUT .*Payments/), 1);
    assert.equal((await tenant.findPaymentsByReference([ref])).length, 1, 'applied once: the engine links it instead of paying again');

    const key = randomUUID();
    await h.faults({ lostResponseRate: 1, pathPattern: 'Payments', seed: 1 });
    const keyed = tenant.createPayments([{ Invoice: { InvoiceID: target.InvoiceID }, Account: { AccountID: bank.AccountID }, Date: '2026-10-06', Amount: '1.00', Reference: `${ref}-k` }], { idempotencyKey: key });
    // Every answer is lost while the fault is on, so the keyed write is retried until attempts run out…
    await assert.rejects(keyed, (e: unknown) => e instanceof ConnectorError && !isAmbiguousWrite(e));
    await h.faults({});
    // …and the service applied it once however many times it was sent.
    assert.equal((await tenant.findPaymentsByReference([`${ref}-k`])).length, 1);
  } finally {
    await h.stop();
  }
});

test('Xero client: many references are found in one read of the payments changed since the first post, and a payment from before that window is not', async () => {
  const h = await startXeroHarness({ seed: 65 });
  try {
    const tenant = h.client().forTenant(h.tenantId);
    const { bank, open } = await bankAndOpenBills(tenant);
    const bills = open.filter((i) => Number(i.AmountDue) >= 2).slice(0, 13);
    assert.equal(bills.length, 13, 'the seed has enough open bills');
    const ref = `mlc-window-${randomUUID().slice(0, 8)}`;
    const pay = (i: number) => ({ Invoice: { InvoiceID: bills[i]!.InvoiceID }, Account: { AccountID: bank.AccountID }, Date: '2026-10-05', Amount: '1.00', Reference: `${ref}-${i}` });
    assert.ok((await tenant.createPayments([pay(0)]))[0]!.ok);
    // An hour later (beyond the allowance for clock skew) the window opens and twelve more are posted.
    await h.advanceClock(3600);
    const postedAfter = new Date(h.emu.ctx.clock.now());
    const results = await tenant.createPayments(Array.from({ length: 12 }, (_, i) => pay(i + 1)));
    assert.ok(results.every((r) => r.ok));
    const wanted = [...Array.from({ length: 13 }, (_, i) => `${ref}-${i}`), `${ref}-never-posted`];

    await h.resetStats();
    const windowed = await tenant.findPaymentsByReference(wanted, { postedAfter });
    assert.deepEqual(windowed.map((p) => p.Reference).sort(), Array.from({ length: 12 }, (_, i) => `${ref}-${i + 1}`).sort());
    assert.equal(callsTo(await h.stats(), /GET .*\/Payments/), 1, 'one read of the window, not one per ten references');

    await h.resetStats();
    const byWhere = await tenant.findPaymentsByReference(wanted);
    assert.equal(byWhere.length, 13, 'without a window every reference is asked for by name');
    assert.equal(callsTo(await h.stats(), /GET .*\/Payments/), 2);
  } finally {
    await h.stop();
  }
});

/** The tenant's bank account and its approved bills, for tests that post payments. */
async function bankAndOpenBills(tenant: ReturnType<ReturnType<XeroHarness['client']>['forTenant']>) {
  const bank = (await tenant.listAccounts()).find((a) => a.Type === 'BANK')!;
  const open = [];
  for await (const page of tenant.iterateInvoices({ where: 'Type=="ACCPAY" AND Status=="AUTHORISED"', pageSize: 100 })) open.push(...page.records);
  return { bank, open };
}
