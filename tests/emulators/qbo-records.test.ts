import { test } from 'node:test';
import assert from 'node:assert/strict';
import { control, expenseLine, seeded, startQbo } from './qbo-helpers.ts';

test('vendors: create, read, sparse update with SyncToken, stale token 5010, duplicate name 6240', async () => {
  const { em, client } = await startQbo();
  try {
    const created = await client.call('POST', '/vendor', { DisplayName: 'Northwind Paper', PrimaryEmailAddr: { Address: 'ap@northwind.example' } });
    assert.equal(created.status, 200);
    const v = created.body.Vendor;
    assert.equal(v.SyncToken, '0');
    assert.equal(v.Active, true);
    assert.match(v.Id, /^\d+$/);
    assert.ok(v.MetaData.CreateTime && v.MetaData.LastUpdatedTime);

    const read = await client.call('GET', `/vendor/${v.Id}`);
    assert.deepEqual(read.body.Vendor, v);

    const updated = await client.call('POST', '/vendor', { Id: v.Id, SyncToken: '0', sparse: true, CompanyName: 'Northwind Paper Inc' });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.Vendor.SyncToken, '1');
    assert.equal(updated.body.Vendor.CompanyName, 'Northwind Paper Inc');
    assert.equal(updated.body.Vendor.PrimaryEmailAddr.Address, 'ap@northwind.example', 'a sparse update keeps what it did not send');

    const stale = await client.call('POST', '/vendor', { Id: v.Id, SyncToken: '0', sparse: true, CompanyName: 'Late' });
    assert.equal(stale.status, 400);
    assert.equal(stale.body.Fault.type, 'ValidationFault');
    assert.equal(stale.body.Fault.Error[0].code, '5010');

    const dup = await client.call('POST', '/vendor', { DisplayName: 'northwind paper' });
    assert.equal(dup.status, 400);
    assert.equal(dup.body.Fault.Error[0].code, '6240');
    assert.equal(dup.body.Fault.Error[0].Message, 'Duplicate Name Exists Error');

    const typo = await client.call('POST', '/vendor', { DisplayName: 'Typo Co', CompanyNam: 'x' });
    assert.equal(typo.status, 400);
    assert.equal(typo.body.Fault.Error[0].code, '2010');
    assert.equal(typo.body.Fault.Error[0].element, 'CompanyNam');

    const unknownPath = await client.call('GET', '/Vendor/1');
    assert.equal(unknownPath.status, 400);
    assert.equal(unknownPath.body.Fault.Error[0].code, '500');
    const nameListDelete = await client.call('POST', '/vendor?operation=delete', { Id: v.Id, SyncToken: '1' });
    assert.equal(nameListDelete.status, 400);
  } finally {
    await em.stop();
  }
});

test('bills: totals and balance, DocNumber ≤ 21, duplicate 6140 unless allowed, references checked, delete', async () => {
  const { em, client } = await startQbo();
  try {
    const { expense, ap, vendor } = await seeded(client);
    const created = await client.call('POST', '/bill', { VendorRef: { value: vendor.Id }, DocNumber: 'A-1', TxnDate: '2026-11-02', Line: [expenseLine(expense.Id, 100.1), expenseLine(expense.Id, '0.2')] });
    assert.equal(created.status, 200, created.text);
    const bill = created.body.Bill;
    assert.equal(bill.TotalAmt, 100.3);
    assert.equal(bill.Balance, 100.3);
    assert.deepEqual(bill.APAccountRef, { value: ap.Id, name: ap.Name });
    assert.equal(bill.VendorRef.name, vendor.DisplayName);
    assert.equal(bill.Line[0].AccountBasedExpenseLineDetail.AccountRef.value, expense.Id);

    const long = await client.call('POST', '/bill', { VendorRef: { value: vendor.Id }, DocNumber: 'X'.repeat(22), Line: [expenseLine(expense.Id, 1)] });
    assert.equal(long.status, 400);
    assert.equal(long.body.Fault.Error[0].element, 'DocNumber');

    const dup = await client.call('POST', '/bill', { VendorRef: { value: vendor.Id }, DocNumber: 'A-1', Line: [expenseLine(expense.Id, 1)] });
    assert.equal(dup.body.Fault.Error[0].code, '6140');
    await control(em, 'POST', '/preferences', { warnDuplicateBillNumber: false });
    assert.equal((await client.call('POST', '/bill', { VendorRef: { value: vendor.Id }, DocNumber: 'A-1', Line: [expenseLine(expense.Id, 1)] })).status, 200, 'the company does not warn');
    await control(em, 'POST', '/preferences', { warnDuplicateBillNumber: true });
    const allowed = await client.call('POST', '/bill?include=allowduplicatedocnum', { VendorRef: { value: vendor.Id }, DocNumber: 'A-1', Line: [expenseLine(expense.Id, 1)] });
    assert.equal(allowed.status, 200);

    const noVendor = await client.call('POST', '/bill', { Line: [expenseLine(expense.Id, 1)] });
    assert.equal(noVendor.body.Fault.Error[0].code, '2020');
    const badAccount = await client.call('POST', '/bill', { VendorRef: { value: vendor.Id }, Line: [expenseLine('99999', 1)] });
    assert.equal(badAccount.body.Fault.Error[0].code, '2500');

    const deleted = await client.call('POST', '/bill?operation=delete', { Id: allowed.body.Bill.Id, SyncToken: '0' });
    assert.deepEqual(deleted.body.Bill, { domain: 'QBO', status: 'Deleted', Id: allowed.body.Bill.Id });
    assert.equal((await client.call('GET', `/bill/${allowed.body.Bill.Id}`)).body.Fault.Error[0].code, '610');
  } finally {
    await em.stop();
  }
});

test('bill payments reduce the bill balance, refuse overpaying and other vendors’ bills', async () => {
  const { em, client } = await startQbo();
  try {
    const { expense, bank, card, vendor } = await seeded(client);
    const bill = (await client.call('POST', '/bill', { VendorRef: { value: vendor.Id }, Line: [expenseLine(expense.Id, 250)] })).body.Bill;
    const pay = (amount: number, extra: Record<string, unknown> = {}) => ({
      VendorRef: { value: vendor.Id }, PayType: 'Check', CheckPayment: { BankAccountRef: { value: bank.Id } }, TotalAmt: amount,
      Line: [{ Amount: amount, LinkedTxn: [{ TxnId: bill.Id, TxnType: 'Bill' }] }], ...extra,
    });
    const first = await client.call('POST', '/billpayment', pay(100));
    assert.equal(first.status, 200, first.text);
    const afterFirst = (await client.call('GET', `/bill/${bill.Id}`)).body.Bill;
    assert.equal(afterFirst.Balance, 150);
    assert.equal(afterFirst.SyncToken, '1');

    const over = await client.call('POST', '/billpayment', pay(151));
    assert.equal(over.status, 400);
    const wrongAccount = await client.call('POST', '/billpayment', pay(10, { CheckPayment: { BankAccountRef: { value: card.Id } } }));
    assert.equal(wrongAccount.body.Fault.Error[0].code, '2500');
    const byCard = await client.call('POST', '/billpayment', pay(150, { PayType: 'CreditCard', CheckPayment: undefined, CreditCardPayment: { CCAccountRef: { value: card.Id } } }));
    assert.equal(byCard.status, 200, byCard.text);
    assert.equal((await client.call('GET', `/bill/${bill.Id}`)).body.Bill.Balance, 0);

    const otherVendor = (await client.call('POST', '/vendor', { DisplayName: 'Someone Else' })).body.Vendor;
    const foreign = await client.call('POST', '/billpayment', { ...pay(1), VendorRef: { value: otherVendor.Id } });
    assert.equal(foreign.body.Fault.Error[0].code, '620');

    const removed = await client.call('POST', '/billpayment?operation=delete', { Id: first.body.BillPayment.Id, SyncToken: '0' });
    assert.equal(removed.status, 200);
    assert.equal((await client.call('GET', `/bill/${bill.Id}`)).body.Bill.Balance, 100);
  } finally {
    await em.stop();
  }
});

test('purchase orders: create with Open status, sparse close', async () => {
  const { em, client } = await startQbo();
  try {
    const { expense, vendor } = await seeded(client);
    const po = await client.call('POST', '/purchaseorder', { VendorRef: { value: vendor.Id }, DocNumber: 'PO-7', Line: [expenseLine(expense.Id, 42)] });
    assert.equal(po.status, 200, po.text);
    assert.equal(po.body.PurchaseOrder.POStatus, 'Open');
    assert.equal(po.body.PurchaseOrder.TotalAmt, 42);
    const closed = await client.call('POST', '/purchaseorder', { Id: po.body.PurchaseOrder.Id, SyncToken: '0', sparse: true, POStatus: 'Closed' });
    assert.equal(closed.body.PurchaseOrder.POStatus, 'Closed');
    assert.equal(closed.body.PurchaseOrder.Line.length, 1);
  } finally {
    await em.stop();
  }
});

test('requestid: the same id replays the first answer and writes once', async () => {
  const { em, client } = await startQbo();
  try {
    const first = await client.call('POST', '/vendor?requestid=abc-123', { DisplayName: 'Once Only' });
    const second = await client.call('POST', '/vendor?requestid=abc-123', { DisplayName: 'Once Only' });
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.deepEqual(second.body, first.body);
    const count = await client.query("select count(*) from Vendor where DisplayName = 'Once Only'");
    assert.equal(count.body.QueryResponse.totalCount, 1);
    const other = await client.call('POST', '/vendor?requestid=abc-124', { DisplayName: 'Once Only' });
    assert.equal(other.body.Fault.Error[0].code, '6240');
  } finally {
    await em.stop();
  }
});

test('a seed is deterministic: same seed, same company', async () => {
  const { em, client } = await startQbo({ seed: 11 });
  const again = await startQbo({ seed: 11 });
  try {
    assert.equal(em.sandbox.realmId, again.em.sandbox.realmId);
    const a = (await client.query('select * from Bill')).body.QueryResponse.Bill.map((b: any) => [b.DocNumber, b.TotalAmt, b.VendorRef.name]);
    const b = (await again.client.query('select * from Bill')).body.QueryResponse.Bill.map((x: any) => [x.DocNumber, x.TotalAmt, x.VendorRef.name]);
    assert.deepEqual(a, b);
    const accounts = (await client.query("select * from Account where AccountType = 'Expense'")).body.QueryResponse.Account;
    assert.ok(accounts.length >= 3 && accounts.every((x: any) => /^\d+$/.test(x.AcctNum)));
    const summary = await control(em, 'POST', '/seed', { vendors: 8, bills: 0 });
    assert.equal(summary.body.realms[0].counts.Vendor, 8);
  } finally {
    await em.stop();
    await again.em.stop();
  }
});

test('malformed JSON and unknown resources answer in the Fault envelope', async () => {
  const { em, client } = await startQbo();
  try {
    const r = await fetch(`${em.urls.api}/${em.sandbox.realmId}/vendor?minorversion=75`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.accessToken}`, accept: 'application/json', 'content-type': 'application/json' },
      body: '{"DisplayName": ',
    });
    assert.equal(r.status, 400);
    const body = (await r.json()) as any;
    assert.equal(body.Fault.type, 'ValidationFault');
    assert.equal(typeof body.Fault.Error[0].code, 'string');
    const deep = await client.call('GET', '/vendor/1/extra');
    assert.equal(deep.status, 400);
    assert.equal(deep.body.Fault.Error[0].Message, 'Unsupported Operation');
  } finally {
    await em.stop();
  }
});

test('a write whose answer was lost is not repeated by a retry with the same requestid', async () => {
  const { em, client } = await startQbo();
  try {
    await control(em, 'POST', '/faults', { script: [{ fault: 'lost_response' }] });
    await assert.rejects(client.call('POST', '/vendor?requestid=retry-1', { DisplayName: 'Lost Answer Ltd' }));
    const retried = await client.call('POST', '/vendor?requestid=retry-1', { DisplayName: 'Lost Answer Ltd' });
    assert.equal(retried.status, 200, retried.text);
    assert.equal(retried.body.Vendor.DisplayName, 'Lost Answer Ltd');
    const count = await client.query("select count(*) from Vendor where DisplayName = 'Lost Answer Ltd'");
    assert.equal(count.body.QueryResponse.totalCount, 1);
  } finally {
    await em.stop();
  }
});
