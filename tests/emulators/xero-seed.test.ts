import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startXeroEmulator } from '../../src/emulators/xero/index.ts';
import { control } from './xero-helpers.ts';

test('same seed and sizes give identical state in two emulators', async () => {
  const [a, b] = await Promise.all([startXeroEmulator({ seed: 99 }), startXeroEmulator({ seed: 99 })]);
  try {
    const input = { seed: 1234, suppliers: 15, bills: 60, customers: 4, salesInvoices: 6, purchaseOrders: 3 };
    const sa = await control(a, 'POST', '/seed', input);
    const sb = await control(b, 'POST', '/seed', input);
    assert.equal(sa.status, 200);
    assert.deepEqual(sa.body, sb.body);
    const stateA = (await control(a, 'GET', '/state')).body;
    const stateB = (await control(b, 'GET', '/state')).body;
    assert.deepEqual(stateA, stateB);
    assert.equal(stateA.tenants[0].invoices.length, 66);
    const other = await control(b, 'POST', '/seed', { ...input, seed: 1235 });
    assert.equal(other.body.tenants[0].tenantId, sa.body.tenants[0].tenantId, 'tenant ids follow the emulator seed, so connections survive a reseed');
    assert.notDeepEqual((await control(b, 'GET', '/state')).body.tenants[0].invoices, stateA.tenants[0].invoices);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('the generated organisation is realistic: bank and payable accounts, a status and currency mix, tracking on some lines', async () => {
  const em = await startXeroEmulator({ seed: 4 });
  try {
    const summary = em.seed({ seed: 8, suppliers: 20, bills: 80 });
    const primary = summary.tenants[0]!;
    assert.equal(primary.tenantName, 'Demo Company (US)');
    assert.equal(primary.bills, 80);
    for (const status of ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'PAID', 'VOIDED', 'DELETED']) {
      assert.ok((primary.billsByStatus[status] ?? 0) > 0, `some ${status} bills`);
    }
    assert.ok(primary.billsByStatus.AUTHORISED! >= primary.billsByStatus.PAID!, 'mostly AUTHORISED');
    assert.ok(primary.partlyPaidBills > 0);
    assert.ok(primary.billsByCurrency.USD! > primary.billsByCurrency.EUR!);
    assert.ok(primary.billsByCurrency.EUR! > 0 && primary.billsByCurrency.GBP! > 0);
    assert.ok(summary.tenants[1]!.bills < primary.bills, 'the second tenant is small');

    const t = em.state.primary;
    const accounts = [...t.accounts.values()];
    assert.ok(accounts.filter((a) => a.Type === 'BANK').length >= 2);
    assert.ok(accounts.some((a) => a.EnablePaymentsToAccount && a.Type !== 'BANK'));
    assert.ok(accounts.some((a) => a.SystemAccount === 'CREDITORS'));
    assert.ok(accounts.filter((a) => a.Type === 'EXPENSE' && a.Code).length >= 10);
    const suppliers = [...t.contacts.values()].filter((c) => c.IsSupplier);
    assert.ok(suppliers.every((s) => s.EmailAddress && s.TaxNumber && s.Addresses.length > 0));
    const bills = [...t.invoices.values()].filter((i) => i.Type === 'ACCPAY');
    assert.ok(bills.every((b) => b.LineItems.length >= 1 && b.LineItems.length <= 4));
    assert.ok(bills.some((b) => b.LineItems.some((l) => l.Tracking.length > 0)));
    assert.ok(bills.some((b) => new Set(b.LineItems.map((l) => l.AccountCode)).size > 1), 'lines spread across accounts');
    assert.ok([...t.invoices.values()].some((i) => i.Type === 'ACCREC'));
    assert.ok(t.purchaseOrders.size > 0);
    assert.equal([...t.trackingCategories.values()].filter((c) => c.Status === 'ACTIVE').length, 2);
    // Every seeded amount is consistent with its lines and payments.
    for (const b of bills) {
      const paid = t.paymentsOf(b.InvoiceID).filter((p) => p.Status === 'AUTHORISED').reduce((n, p) => n + p.Amount, 0n);
      assert.equal(b.AmountPaid, paid);
      if (b.Status === 'PAID') assert.equal(b.Total, paid);
    }
    const bad = await control(em, 'POST', '/seed', { bills: -1 });
    assert.equal(bad.status, 400);
  } finally {
    await em.stop();
  }
});
