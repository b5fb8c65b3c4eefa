/**
 * What must hold on BILL → QuickBooks Online after a crash, read from the emulators' own state
 * (QBO's in-process company, BILL's dump), not from the connector's tables: one QBO vendor per BILL
 * vendor (the one QBO already had linked, not made twice), one PurchaseOrder per BILL bill on a
 * mapped account with its total, one Bill per PO that BILL paid, one BillPayment per settled BILL
 * payment application of its amount on that Bill, each Bill's balance following, and no limit broken.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../src/core/money.ts';
import type { BillQboSettings } from '../../src/pairs/bill-qbo/settings.ts';
import { qboDocNumber } from '../../src/systems/qbo/doc-number.ts';
import type { QboEmulator } from '../../src/emulators/qbo/index.ts';
import { QboClient } from '../emulators/qbo-helpers.ts';
import { control, type CrashRig, type Json } from './crash-harness.ts';

const cents = (v: unknown): bigint => parseMoney(String(v), 'USD').minor;

/** The BILL expense account left out of the account map: its bills must fail by name, never reach QBO. */
export const unmappedAccountName = 'Entertainment';

const qboTable = (qbo: QboEmulator, entity: string): Json[] =>
  [...qbo.state.realms.get(qbo.sandbox.realmId)!.table(entity as never).values()].map((r) => r.data as Json);

const billOrg = async (billBase: string): Promise<Json> => {
  const state = await control(billBase, 'GET', '/state');
  return state.organizations.find((o: Json) => o.id === state.defaultOrganizationId);
};

/**
 * Prepares the QBO company as a bookkeeper would before connecting: a vendor named like BILL's
 * first one already exists (the connector must link it), and the link's maps pin every BILL
 * expense account but `unmappedAccountName` onto QBO's expense accounts, Marketing and Engineering
 * onto the Research class; BillPayments come from the checking account.
 */
export async function prepareQboCompany({ qbo, bill }: { qbo: QboEmulator; bill: { urls: { base: string } } }): Promise<Partial<BillQboSettings>> {
  const org = await billOrg(bill.urls.base);
  const twinName = org.vendors[0].name as string;
  const twin = await (await QboClient.open(qbo)).call('POST', '/vendor', { DisplayName: twinName, CompanyName: twinName });
  assert.equal(twin.status, 200, JSON.stringify(twin.body));
  const qboExpense = qboTable(qbo, 'Account').filter((a) => a.AccountType === 'Expense');
  const billExpense = (org.chartOfAccounts as Json[]).filter((a) => a.account?.type === 'EXPENSE' && a.name !== unmappedAccountName);
  const research = qboTable(qbo, 'Class').find((c) => c.Name === 'Research')!;
  return {
    departmentsAs: 'class',
    accountMap: Object.fromEntries(billExpense.map((a, i) => [a.id, qboExpense[i % qboExpense.length]!.Id])),
    departmentMap: Object.fromEntries((org.departments as Json[]).filter((d) => d.name === 'Marketing' || d.name === 'Engineering').map((d) => [d.id, research.Id])),
    paymentAccount: qboTable(qbo, 'Account').find((a) => a.AccountType === 'Bank')!.AcctNum,
  };
}

export interface QboLedgers {
  billVendors: Json[];
  /** BILL bills not archived. */
  billBills: Json[];
  billPayments: Json[];
  unmappedAccountId: string;
  qboVendors: Json[];
  purchaseOrders: Json[];
  qboBills: Json[];
  billPaymentsInQbo: Json[];
}

export async function readQboLedgers(rig: CrashRig): Promise<QboLedgers> {
  const org = await billOrg(rig.bill.urls.base);
  return {
    billVendors: org.vendors,
    billBills: (org.bills as Json[]).filter((b) => !b.archived),
    billPayments: org.payments,
    unmappedAccountId: (org.chartOfAccounts as Json[]).find((a) => a.name === unmappedAccountName)!.id,
    qboVendors: qboTable(rig.qbo, 'Vendor'),
    purchaseOrders: qboTable(rig.qbo, 'PurchaseOrder'),
    qboBills: qboTable(rig.qbo, 'Bill'),
    billPaymentsInQbo: qboTable(rig.qbo, 'BillPayment'),
  };
}

export const usesUnmapped = (l: QboLedgers, b: Json): boolean => (b.billLineItems as Json[]).some((x) => x.classifications?.chartOfAccountId === l.unmappedAccountId);

/** The BILL bills that belong in QBO: not archived, every line on a mapped account. */
export const mappedBills = (l: QboLedgers): Json[] => l.billBills.filter((b) => !usesUnmapped(l, b));

/** Exactly one QBO vendor per BILL vendor name; the one QBO held before the first run is the one linked. */
export function assertOneVendorEach(l: QboLedgers, twinVendorId: string, context: string): Map<string, string> {
  const qboVendorOf = new Map<string, string>();
  const wrong: string[] = [];
  for (const v of l.billVendors) {
    const named = l.qboVendors.filter((q) => q.DisplayName === v.name);
    if (named.length !== 1) wrong.push(`${v.name}: ${named.length} QBO vendors`);
    else qboVendorOf.set(v.id, named[0]!.Id);
  }
  assert.deepEqual(wrong, [], `${context}: one QBO vendor per BILL vendor`);
  assert.equal(qboVendorOf.get(l.billVendors[0]!.id), twinVendorId, `${context}: the vendor QBO already had is linked, not made again`);
  return qboVendorOf;
}

/**
 * Exactly one PurchaseOrder per mapped BILL bill (by its vendor's QBO vendor and DocNumber), of its
 * total, and none on BILL's vendors without a bill; totals equal. Returns BILL bill id → PO.
 */
export function assertOnePoEach(l: QboLedgers, qboVendorOf: ReadonlyMap<string, string>, context: string): Map<string, Json> {
  const ours = new Set(qboVendorOf.values());
  const pool = l.purchaseOrders.filter((po) => ours.has(po.VendorRef.value));
  const poOf = new Map<string, Json>();
  const wrong: string[] = [];
  for (const b of mappedBills(l)) {
    const found = pool.filter((po) => po.VendorRef.value === qboVendorOf.get(b.vendorId) && po.DocNumber === qboDocNumber(b.invoice.invoiceNumber));
    if (found.length !== 1) wrong.push(`${b.invoice.invoiceNumber}: ${found.length} POs`);
    else if (cents(found[0]!.TotalAmt) !== cents(b.amount)) wrong.push(`${b.invoice.invoiceNumber}: PO ${found[0]!.TotalAmt}, BILL ${b.amount}`);
    else poOf.set(b.id, found[0]!);
  }
  assert.deepEqual(wrong, [], `${context}: one PurchaseOrder per BILL bill on a mapped account`);
  assert.equal(pool.length, poOf.size, `${context}: no PurchaseOrder on BILL's vendors without its bill (the unmapped ones never reach QBO)`);
  const sum = (xs: Iterable<bigint>) => [...xs].reduce((a, b) => a + b, 0n);
  assert.equal(sum(pool.map((po) => cents(po.TotalAmt))), sum(mappedBills(l).map((b) => cents(b.amount))), `${context}: PO totals equal BILL's`);
  return poOf;
}

/**
 * One Bill per PO that BILL paid (linked to it, of its total, the PO closed) and none for an unpaid
 * one; one BillPayment per settled BILL payment application on a synced bill, found by its
 * PrivateNote (`BILL <payment> <application>`), of its amount, on that Bill; each Bill's balance its
 * total less BILL's payments. Returns how many applications were checked.
 */
export function assertOneBillPaymentEach(l: QboLedgers, poOf: ReadonlyMap<string, Json>, context: string): { applications: number } {
  const settled = l.billPayments.filter((p) => p.singleStatus === 'CLEARED').flatMap((p) => (p.billPayments as Json[]).map((a) => ({ ...a, reference: `BILL ${p.id} ${a.id}` })));
  const onSynced = settled.filter((a) => poOf.has(a.billId));
  const problems: string[] = [];
  const billOfPo = new Map<string, Json>();
  for (const qb of l.qboBills) {
    const po = (qb.LinkedTxn ?? []).find((t: Json) => t.TxnType === 'PurchaseOrder')?.TxnId;
    if (!po) continue;
    if (billOfPo.has(po)) problems.push(`PO ${po}: more than one Bill`);
    billOfPo.set(po, qb);
  }
  const paidPerBill = new Map<string, bigint>();
  for (const a of onSynced) paidPerBill.set(a.billId, (paidPerBill.get(a.billId) ?? 0n) + cents(a.amount));
  for (const [billId, po] of poOf) {
    const qb = billOfPo.get(po.Id);
    const paid = paidPerBill.get(billId);
    if (paid === undefined) {
      if (qb) problems.push(`PO ${po.DocNumber}: a Bill although BILL paid nothing`);
      continue;
    }
    if (!qb) problems.push(`PO ${po.DocNumber}: paid in BILL, no Bill in QBO`);
    else if (cents(qb.TotalAmt) !== cents(po.TotalAmt)) problems.push(`PO ${po.DocNumber}: Bill ${qb.TotalAmt}, PO ${po.TotalAmt}`);
    else if (cents(qb.Balance) !== cents(qb.TotalAmt) - paid) problems.push(`PO ${po.DocNumber}: Bill balance ${qb.Balance}, total ${qb.TotalAmt} less ${paid} cents paid`);
    if (po.POStatus !== 'Closed') problems.push(`PO ${po.DocNumber}: ${po.POStatus} although it became a Bill`);
  }
  const byNote = new Map<string, Json[]>();
  for (const p of l.billPaymentsInQbo) byNote.set(p.PrivateNote, [...(byNote.get(p.PrivateNote) ?? []), p]);
  for (const a of onSynced) {
    const posted = byNote.get(a.reference) ?? [];
    byNote.delete(a.reference);
    const target = billOfPo.get(poOf.get(a.billId)!.Id)?.Id;
    const linked = posted[0]?.Line?.flatMap((x: Json) => x.LinkedTxn ?? []).map((t: Json) => t.TxnId);
    if (posted.length !== 1) problems.push(`${a.reference}: ${posted.length} BillPayments`);
    else if (cents(posted[0]!.TotalAmt) !== cents(a.amount)) problems.push(`${a.reference}: QBO ${posted[0]!.TotalAmt}, BILL ${a.amount}`);
    else if (linked.length !== 1 || linked[0] !== target) problems.push(`${a.reference}: applied to ${linked.join(', ')}, not Bill ${target}`);
  }
  for (const [note, extra] of byNote) problems.push(`${note}: ${extra.length} BillPayment(s) with no BILL application`);
  assert.deepEqual(problems, [], `${context}: Bills and BillPayments against BILL's payments`);
  return { applications: onSynced.length };
}

/** No limit of either emulator broken or hit: injected faults are not rejections, the connector going past a limit is. */
export async function assertNoLimitBroken(rig: CrashRig, context: string): Promise<void> {
  for (const [name, base] of [['QBO', rig.qbo.urls.base], ['BILL', rig.bill.urls.base]] as const) {
    const stats = await control(base, 'GET', '/stats');
    assert.equal(stats.limitViolations, 0, `${context}: ${name} saw no limit broken`);
    assert.deepEqual(Object.entries(stats.rejections).filter(([, n]) => (n as number) > 0), [], `${context}: ${name} refused nothing for a limit`);
  }
}
