import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XeroClient, aSupplier, billInput, openXero } from './xero-helpers.ts';
import type { XeroEmulator } from '../../src/emulators/xero/index.ts';

async function withBill(fn: (em: XeroEmulator, c: XeroClient, bill: any) => Promise<void>, status = 'AUTHORISED'): Promise<void> {
  const { em, c } = await openXero({ seed: 23 });
  try {
    // 3 × 33.33 = 99.99
    const created = await c.put('/Invoices', { Invoices: [billInput(aSupplier(em), { Status: status, InvoiceNumber: 'PAY-ME' })] });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    await fn(em, c, created.body.Invoices[0]);
  } finally {
    await em.stop();
  }
}

const pay = (invoiceId: string, amount: number | string, account: Record<string, string> = { Code: '090' }, extra: Record<string, unknown> = {}) => ({
  Invoice: { InvoiceID: invoiceId },
  Account: account,
  Date: '2026-11-10',
  Amount: amount,
  ...extra,
});

test('partial then full payment: AmountDue falls, the bill becomes PAID with FullyPaidOnDate, UpdatedDateUTC bumps', () =>
  withBill(async (em, c, bill) => {
    em.ctx.clock.advance(2000);
    const first = await c.put('/Payments', { Payments: [pay(bill.InvoiceID, 40.01, { Code: '090' }, { Reference: 'ACH 1' })] });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const p = first.body.Payments[0];
    assert.equal(p.PaymentType, 'ACCPAYPAYMENT');
    assert.equal(p.Status, 'AUTHORISED');
    assert.equal(p.Amount, 40.01);
    assert.equal(p.Invoice.InvoiceID, bill.InvoiceID);
    let inv = (await c.get(`/Invoices/${bill.InvoiceID}`)).body.Invoices[0];
    assert.equal(inv.AmountPaid, 40.01);
    assert.equal(inv.AmountDue, 59.98);
    assert.equal(inv.Status, 'AUTHORISED');
    assert.notEqual(inv.UpdatedDateUTC, bill.UpdatedDateUTC);
    assert.equal(inv.Payments.length, 1);

    const rest = await c.post('/Payments', pay(bill.InvoiceID, '59.98', { AccountID: [...em.state.primary.accounts.values()].find((a) => a.Code === '091')!.AccountID }));
    assert.equal(rest.status, 200);
    inv = (await c.get(`/Invoices/${bill.InvoiceID}`)).body.Invoices[0];
    assert.equal(inv.AmountDue, 0);
    assert.equal(inv.AmountPaid, 99.99);
    assert.equal(inv.Status, 'PAID');
    assert.match(inv.FullyPaidOnDate, /^\/Date\(\d+\+0000\)\/$/);

    const byRef = await c.get(`/Payments?where=${encodeURIComponent('Reference=="ACH 1"')}`);
    assert.equal(byRef.body.Payments.length, 1);
    assert.equal(byRef.body.Payments[0].PaymentID, p.PaymentID);
    const byInvoice = await c.get(`/Payments?where=${encodeURIComponent(`Invoice.InvoiceID==Guid("${bill.InvoiceID}")`)}`);
    assert.equal(byInvoice.body.Payments.length, 2);
    const one = await c.get(`/Payments/${p.PaymentID}`);
    assert.equal(one.body.Payments[0].Reference, 'ACH 1');
  }));

test('refusals: over-payment, non-AUTHORISED documents, accounts that cannot take payments, missing account', () =>
  withBill(async (em, c, bill) => {
    const over = await c.put('/Payments', { Payments: [pay(bill.InvoiceID, 100)] });
    assert.equal(over.status, 400);
    assert.deepEqual(over.body.Elements[0].ValidationErrors, [{ Message: 'Payment amount exceeds the amount outstanding on this document' }]);
    const expense = await c.put('/Payments', { Payments: [pay(bill.InvoiceID, 10, { Code: '453' })] });
    assert.equal(expense.status, 400);
    assert.match(expense.body.Elements[0].ValidationErrors[0].Message, /BANK account or an account with EnablePaymentsToAccount/);
    const enabled = await c.put('/Payments', { Payments: [pay(bill.InvoiceID, 10, { Code: '855' })] });
    assert.equal(enabled.status, 200, 'EnablePaymentsToAccount accounts take payments');
    const noAccount = await c.put('/Payments', { Payments: [{ Invoice: { InvoiceID: bill.InvoiceID }, Date: '2026-11-10', Amount: 1 }] });
    assert.deepEqual(noAccount.body.Elements[0].ValidationErrors, [{ Message: 'You must specify and Account code or Account ID for the payment' }]);
    const mixed = await c.put('/Payments?summarizeErrors=false', { Payments: [pay(bill.InvoiceID, 5), pay(bill.InvoiceID, 1000)] });
    assert.equal(mixed.status, 200);
    assert.equal(mixed.body.Payments[0].StatusAttributeString, 'OK');
    assert.equal(mixed.body.Payments[1].StatusAttributeString, 'ERROR');
    assert.equal(mixed.body.Payments[1].HasValidationErrors, true);
    assert.equal(em.state.primary.invoices.get(bill.InvoiceID)!.AmountPaid, 1500n);
  }));

test('payments only against AUTHORISED documents', () =>
  withBill(async (_em, c, bill) => {
    const r = await c.put('/Payments', { Payments: [pay(bill.InvoiceID, 10)] });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.Elements[0].ValidationErrors, [{ Message: 'Payments can only be made against Authorised documents' }]);
  }, 'DRAFT'));

test('deleting a payment restores AmountDue and AUTHORISED; payments cannot be otherwise edited', () =>
  withBill(async (em, c, bill) => {
    const full = await c.put('/Payments', { Payments: [pay(bill.InvoiceID, 99.99)] });
    const paymentId = full.body.Payments[0].PaymentID;
    assert.equal(em.state.primary.invoices.get(bill.InvoiceID)!.Status, 'PAID');
    const edit = await c.post(`/Payments/${paymentId}`, { Payments: [{ Amount: 5 }] });
    assert.equal(edit.status, 400);
    em.ctx.clock.advance(3000);
    const del = await c.post(`/Payments/${paymentId}`, { Payments: [{ Status: 'DELETED' }] });
    assert.equal(del.status, 200);
    assert.equal(del.body.Payments[0].Status, 'DELETED');
    const inv = (await c.get(`/Invoices/${bill.InvoiceID}`)).body.Invoices[0];
    assert.equal(inv.Status, 'AUTHORISED');
    assert.equal(inv.AmountDue, 99.99);
    assert.equal(inv.AmountPaid, 0);
    assert.equal(inv.FullyPaidOnDate, undefined);
    assert.deepEqual(inv.Payments, []);
    const listed = await c.get(`/Payments/${paymentId}`);
    assert.equal(listed.body.Payments[0].Status, 'DELETED');
    assert.equal((await c.post(`/Payments/${paymentId}`, { Status: 'DELETED' })).status, 400, 'already deleted');
    const voided = await c.post(`/Invoices/${bill.InvoiceID}`, { Invoices: [{ Status: 'VOIDED' }] });
    assert.equal(voided.status, 200, 'with the payment gone the bill can be voided');
  }));

test('foreign-currency bill paid from the base-currency bank: BankAmount converts through CurrencyRate', () =>
  withBill(async (em, c) => {
    const eur = await c.put('/Invoices', { Invoices: [billInput(aSupplier(em), { Status: 'AUTHORISED', CurrencyCode: 'EUR', CurrencyRate: 0.92, LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 92, AccountCode: '453' }] })] });
    const id = eur.body.Invoices[0].InvoiceID;
    assert.equal(eur.body.Invoices[0].CurrencyCode, 'EUR');
    const p = await c.put('/Payments', { Payments: [pay(id, 92)] });
    assert.equal(p.body.Payments[0].Amount, 92);
    assert.equal(p.body.Payments[0].BankAmount, 100);
    assert.equal(p.body.Payments[0].CurrencyRate, 0.92);
  }));
