import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AcumaticaEmulator } from '../../src/emulators/acumatica/index.ts';
import { AcuClient, control, openAcumatica, releasedBill, values, wrap } from './acumatica-helpers.ts';

let acu: AcumaticaEmulator;
let c: AcuClient;
before(async () => {
  ({ acu, c } = await openAcumatica({ seed: 13 }));
});
after(async () => {
  await c.logout();
  await acu.stop();
});

const line = (amount: number) => wrap({ Account: '61000', Subaccount: '200010', Branch: 'EAST', ExtendedCost: amount });

test('a bill is On Hold on entry, Balanced once Hold is off, Open after ReleaseBill (202, Location polled to 204), then closed to edits', async () => {
  const put = await c.put('/Bill?$expand=Details', { ...wrap({ Type: 'Bill', Vendor: 'V00004', VendorRef: 'INV-A1', Date: '06/15/2025', Description: 'June service' }), Details: [line(100.1), line(20.25)] });
  assert.equal(put.status, 200);
  const bill = values(put.body);
  assert.equal(bill.Status, 'On Hold');
  assert.equal(bill.Amount, 120.35);
  assert.equal(bill.Balance, 120.35);
  assert.equal(put.body.Details.length, 2);
  const ref = String(bill.ReferenceNbr);
  const keys = { Type: 'Bill', ReferenceNbr: ref };
  const held = await c.action('Bill', 'ReleaseBill', keys);
  assert.equal(held.first.status, 202);
  assert.equal(held.final.status, 500, 'releasing an On Hold bill fails at its status poll');
  assert.match(held.final.body.exceptionMessage, /status is On Hold/);
  const balanced = await c.put('/Bill', wrap({ ...keys, Hold: false }));
  assert.equal(balanced.body.Status.value, 'Balanced');
  const released = await c.action('Bill', 'ReleaseBill', keys);
  assert.equal(released.first.status, 202);
  assert.match(released.first.headers.get('location')!, new RegExp(`/entity/Default/24.200.001/Bill/ReleaseBill/status/[0-9a-f-]{36}$`));
  assert.equal(released.polls, 2, 'one 202 poll, then 204');
  assert.equal(released.final.status, 204);
  const open = values((await c.get(`/Bill/Bill/${ref}`)).body);
  assert.equal(open.Status, 'Open');
  assert.equal(open.Balance, 120.35);
  assert.equal(open.PostPeriod, '062025');
  const edit = await c.put('/Bill', wrap({ ...keys, Description: 'changed' }));
  assert.equal(edit.status, 422);
  assert.match(edit.body.error, /cannot be edited because its status is Open/);
  const unknown = await c.call('POST', '/Bill/ApproveEverything', { entity: wrap(keys) });
  assert.equal(unknown.status, 404);
  const missing = await c.call('POST', '/Bill/ReleaseBill', { entity: wrap({ Type: 'Bill', ReferenceNbr: '999999' }) });
  assert.equal(missing.status, 404);
});

test('debit and credit adjustments are their own types; an inactive vendor is refused', async () => {
  const debit = await c.put('/Bill', { ...wrap({ Type: 'Debit Adj.', Vendor: 'V00005', Hold: false }), Details: [line(15)] });
  assert.equal(debit.status, 200);
  assert.equal(debit.body.Type.value, 'Debit Adj.');
  const got = await c.get(`/Bill/${encodeURIComponent('Debit Adj.')}/${debit.body.ReferenceNbr.value}`);
  assert.equal(got.status, 200);
  const credit = await c.put('/Bill', { ...wrap({ Type: 'Credit Adj.', Vendor: 'V00005' }), Details: [line(5)] });
  assert.equal(credit.body.Status.value, 'On Hold');
  const inactive = await c.put('/Bill', { ...wrap({ Type: 'Bill', Vendor: 'V00017' }), Details: [line(5)] });
  assert.equal(inactive.status, 422);
  assert.equal(inactive.body.Vendor.error, "The vendor status is 'Inactive'.");
});

test('a partial payment lowers the bill balance (Open); the rest closes it; the Check is Closed when fully applied', async () => {
  const bill = await releasedBill(c, 300);
  const ref = String(bill.ReferenceNbr);
  const pay = async (amount: number, paymentRef: string) => {
    const put = await c.put('/Check?$expand=Details', { ...wrap({ Type: 'Payment', Vendor: 'V00002', PaymentMethod: 'CHECK', CashAccount: '10100', PaymentAmount: amount, PaymentRef: paymentRef, Description: `BILL payment ${paymentRef}` }), Details: [wrap({ DocType: 'Bill', ReferenceNbr: ref, AmountPaid: amount })] });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.Status.value, 'Balanced');
    const { final } = await c.action('Check', 'ReleaseCheck', { Type: 'Payment', ReferenceNbr: put.body.ReferenceNbr.value });
    assert.equal(final.status, 204, final.text);
    return (await c.get(`/Check/Payment/${put.body.ReferenceNbr.value}?$expand=History,Details`)).body;
  };
  const first = await pay(120.5, 'BP-1');
  assert.equal(first.Status.value, 'Closed');
  assert.equal(first.History[0].AmountPaid.value, 120.5);
  let now = values((await c.get(`/Bill/Bill/${ref}?$expand=Applications`)).body);
  assert.equal(now.Status, 'Open');
  assert.equal(now.Balance, 179.5);
  const tooMuch = await c.put('/Check', { ...wrap({ Vendor: 'V00002', PaymentMethod: 'CHECK', CashAccount: '10100' }), Details: [wrap({ DocType: 'Bill', ReferenceNbr: ref, AmountPaid: 200 })] });
  assert.equal(tooMuch.status, 422);
  assert.match(tooMuch.body.Details[0].AmountPaid.error, /cannot exceed the document balance \(179\.50\)/);
  const wrongMethod = await c.put('/Check', wrap({ Vendor: 'V00002', PaymentMethod: 'PIGEON', CashAccount: '10100', PaymentAmount: 1 }));
  assert.equal(wrongMethod.body.PaymentMethod.error, "'Payment Method' cannot be found in the system.");
  const wrongCash = await c.put('/Check', { ...wrap({ Vendor: 'V00002', PaymentMethod: 'CHECK', CashAccount: '61000' }), Details: [wrap({ DocType: 'Bill', ReferenceNbr: ref, AmountPaid: 1 })] });
  assert.equal(wrongCash.body.CashAccount.error, "'Cash Account' cannot be found in the system.");
  await pay(179.5, 'BP-2');
  const applications = (await c.get(`/Bill/Bill/${ref}?$expand=Applications`)).body;
  now = values(applications);
  assert.equal(now.Status, 'Closed');
  assert.equal(now.Balance, 0);
  assert.deepEqual(applications.Applications.map((a: Record<string, { value: unknown }>) => a.AmountPaid!.value), [120.5, 179.5]);
  const byRef = (await c.get(`/Check?$filter=${encodeURIComponent("PaymentRef eq 'BP-2'")}`)).body;
  assert.equal(byRef.length, 1, 'a payment is found again by its PaymentRef');
  const closedBill = await c.put('/Check', { ...wrap({ Vendor: 'V00002', PaymentMethod: 'CHECK', CashAccount: '10100' }), Details: [wrap({ DocType: 'Bill', ReferenceNbr: ref, AmountPaid: 1 })] });
  assert.match(closedBill.body.Details[0].ReferenceNbr.error, /status is Closed/);
});

test('VoidCheck adds a Voided Payment with the same number, leaves the payment Voided and gives the bill its balance back', async () => {
  const bill = await releasedBill(c, 80);
  const put = await c.put('/Check', { ...wrap({ Vendor: 'V00002', PaymentMethod: 'CHECK', CashAccount: '10100' }), Details: [wrap({ DocType: 'Bill', ReferenceNbr: bill.ReferenceNbr })] });
  assert.equal(put.body.PaymentAmount.value, 80, 'the amount defaults to what is applied');
  const nbr = put.body.ReferenceNbr.value;
  assert.equal((await c.action('Check', 'ReleaseCheck', { Type: 'Payment', ReferenceNbr: nbr })).final.status, 204);
  assert.equal(values((await c.get(`/Bill/Bill/${String(bill.ReferenceNbr)}`)).body).Status, 'Closed');
  const voided = await c.action('Check', 'VoidCheck', { Type: 'Payment', ReferenceNbr: nbr });
  assert.equal(voided.final.status, 204);
  assert.equal((await c.get(`/Check/Payment/${nbr}`)).body.Status.value, 'Voided');
  const voidDoc = await c.get(`/Check/${encodeURIComponent('Voided Payment')}/${nbr}`);
  assert.equal(voidDoc.status, 200);
  assert.equal(voidDoc.body.Status.value, 'Closed');
  const after = values((await c.get(`/Bill/Bill/${String(bill.ReferenceNbr)}`)).body);
  assert.equal(after.Status, 'Open');
  assert.equal(after.Balance, 80);
  const again = await c.action('Check', 'VoidCheck', { Type: 'Payment', ReferenceNbr: nbr });
  assert.equal(again.final.status, 500);
});

test('control routes make and move documents as a user on the forms would; actionPolls 0 answers 204 at once', async () => {
  const made = await control(acu, 'POST', '/bills', { record: { ...wrap({ Type: 'Bill', Vendor: 'V00006' }), Details: [line(42)] } });
  assert.equal(made.Status.value, 'On Hold');
  const ref = made.ReferenceNbr.value;
  assert.equal((await control(acu, 'POST', '/documents/RemoveHold', { referenceNbr: ref })).Status.value, 'Balanced');
  assert.equal((await control(acu, 'POST', '/documents/ReleaseBill', { referenceNbr: ref })).Status.value, 'Open');
  acu.options.actionPolls = 0;
  try {
    const bill = await releasedBill(c, 10);
    assert.equal(bill.Status, 'Balanced');
    const res = await c.call('POST', '/Check/ReleaseCheck', { entity: wrap({ Type: 'Payment', ReferenceNbr: 'NOPE' }) });
    assert.equal(res.status, 404);
  } finally {
    acu.options.actionPolls = 1;
  }
  const voided = await control(acu, 'POST', '/documents/VoidBill', { referenceNbr: ref });
  assert.equal(voided.Status.value, 'Voided');
  assert.equal((await c.get(`/Bill/Bill/${ref}`)).body.Status.value, 'Voided');
  const vendor = await control(acu, 'POST', '/vendors', { record: wrap({ VendorID: 'CTRL1', VendorName: 'Made on the form' }) });
  assert.equal(vendor.VendorID.value, 'CTRL1');
});

test('a payment may take a debit adjustment against a bill: the amount is the net, both documents close', async () => {
  const bill = await releasedBill(c, 100, 'V00007');
  const debit = await c.put('/Bill', { ...wrap({ Type: 'Debit Adj.', Vendor: 'V00007', Hold: false }), Details: [line(30)] });
  const debitRef = debit.body.ReferenceNbr.value;
  assert.equal((await c.action('Bill', 'ReleaseBill', { Type: 'Debit Adj.', ReferenceNbr: debitRef })).final.status, 204);
  const put = await c.put('/Check', { ...wrap({ Vendor: 'V00007', PaymentMethod: 'CHECK', CashAccount: '10100' }), Details: [wrap({ DocType: 'Bill', ReferenceNbr: bill.ReferenceNbr }), wrap({ DocType: 'Debit Adj.', ReferenceNbr: debitRef })] });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.body.PaymentAmount.value, 70);
  assert.equal(put.body.UnappliedBalance.value, 0);
  assert.equal((await c.action('Check', 'ReleaseCheck', { Type: 'Payment', ReferenceNbr: put.body.ReferenceNbr.value })).final.status, 204);
  assert.equal((await c.get(`/Bill/Bill/${String(bill.ReferenceNbr)}`)).body.Status.value, 'Closed');
  assert.equal((await c.get(`/Bill/${encodeURIComponent('Debit Adj.')}/${debitRef}`)).body.Status.value, 'Closed');
});

test('calls are counted per endpoint in the spec path style, entity names match in any case', async () => {
  await control(acu, 'POST', '/stats/reset');
  assert.equal((await c.get('/vendor/V00001')).status, 200);
  await c.get('/Bill/Bill/000001');
  await c.get('/Bill?$top=1');
  const calls = (await control(acu, 'GET', '/stats')).callsByEndpoint as Record<string, number>;
  assert.equal(calls['GET /entity/Default/24.200.001/vendor/{ids}'], 1);
  assert.equal(calls['GET /entity/Default/24.200.001/Bill/{ids}'], 1);
  assert.equal(calls['GET /entity/Default/24.200.001/Bill'], 1);
});

test('a vendor on Hold Payments cannot be paid; seeded bills entered from a purchase order carry its number on their line', async () => {
  await c.put('/Vendor', wrap({ VendorID: 'V00008', Status: 'Hold Payments' }));
  const refused = await c.put('/Check', wrap({ Vendor: 'V00008', PaymentMethod: 'CHECK', CashAccount: '10100', PaymentAmount: 1 }));
  assert.equal(refused.status, 422);
  assert.equal(refused.body.Vendor.error, "The vendor status is 'Hold Payments'.");
  const fromOrders = ((await c.get('/Bill?$expand=Details')).body as { Details: Record<string, { value?: unknown }>[] }[]).filter((b) => b.Details.some((d) => d.POOrderNbr?.value));
  assert.ok(fromOrders.length > 0, 'some bills come from purchase orders');
  assert.match(String(fromOrders[0]!.Details[0]!.POOrderNbr!.value), /^PO\d{6}$/);
});

test('a bill given its own reference number keeps it, and numbering skips it rather than overwrite it', async () => {
  const last = (await c.get('/Bill?$select=ReferenceNbr')).body as { ReferenceNbr: { value: string } }[];
  const next = String(Math.max(...last.map((b) => Number(b.ReferenceNbr.value)).filter(Number.isFinite)) + 1).padStart(6, '0');
  const mine = await c.put('/Bill', { ...wrap({ Type: 'Bill', ReferenceNbr: next, Vendor: 'V00003' }), Details: [line(9)] });
  assert.equal(mine.body.ReferenceNbr.value, next);
  const auto = await c.put('/Bill', { ...wrap({ Type: 'Bill', Vendor: 'V00003' }), Details: [line(11)] });
  assert.notEqual(auto.body.ReferenceNbr.value, next);
  assert.equal((await c.get(`/Bill/Bill/${next}`)).body.Amount.value, 9, 'the given number still holds its own bill');
});

test('with oneOperationPerSession the session that started an action may only poll it until it is done; other sessions go on', async () => {
  acu.options.oneOperationPerSession = true;
  const other = await AcuClient.open(acu);
  try {
    const put = await c.put('/Bill', { ...wrap({ Type: 'Bill', Vendor: 'V00009', Hold: false }), Details: [line(12)] });
    const started = await c.call('POST', '/Bill/ReleaseBill', { entity: wrap({ Type: 'Bill', ReferenceNbr: put.body.ReferenceNbr.value }) });
    assert.equal(started.status, 202);
    const busy = await c.get('/Vendor?$top=1');
    assert.equal(busy.status, 500);
    assert.match(busy.body.exceptionMessage, /has not been completed yet/);
    assert.equal((await other.get('/Vendor?$top=1')).status, 200, 'another session is not held up');
    const location = started.headers.get('location')!;
    assert.equal((await c.get(location)).status, 202);
    assert.equal((await c.get(location)).status, 204);
    assert.equal((await c.get('/Vendor?$top=1')).status, 200, 'free again once done');
  } finally {
    acu.options.oneOperationPerSession = false;
    await other.logout();
  }
});

test('ReverseBill on a released bill adds a Balanced Debit Adj. for the same amount and lines, naming the bill; an unreleased bill cannot be reversed', async () => {
  const bill = await releasedBill(c, 64.2, 'V00010');
  const reversed = await c.action('Bill', 'ReverseBill', { Type: 'Bill', ReferenceNbr: bill.ReferenceNbr });
  assert.equal(reversed.final.status, 204);
  const adj = (await c.get(`/Bill?$expand=Details&$filter=${encodeURIComponent(`Type eq 'Debit Adj.' and Description eq 'Reversal of Bill ${String(bill.ReferenceNbr)}'`)}`)).body;
  assert.equal(adj.length, 1);
  assert.equal(adj[0].Status.value, 'Balanced');
  assert.equal(adj[0].Amount.value, 64.2);
  assert.equal(adj[0].Details.length, 1);
  const put = await c.put('/Bill', { ...wrap({ Type: 'Bill', Vendor: 'V00010' }), Details: [line(3)] });
  assert.equal((await c.action('Bill', 'ReverseBill', { Type: 'Bill', ReferenceNbr: put.body.ReferenceNbr.value })).final.status, 500);
});
