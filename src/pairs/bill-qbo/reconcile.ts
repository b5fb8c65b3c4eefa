import { addMoney, compareMoney, formatMoney, money, type Money } from '../../core/money.ts';
import { ReconcileTotals, type TotalField } from '../reconcile-totals.ts';
import { getMappings, listLinked } from '../../store/repos/id-map.ts';
import { billMatchKey, type BillSummary } from '../../model/payloads.ts';
import type { Bill } from '../../model/types.ts';
import type { ReconcileRun } from '../../engine/pair.ts';
import type { Difference, ReconcileReport } from '../../engine/reconcile-report.ts';

/**
 * Proves BILL and the ledger agree when BILL is the source (BILL → QBO), reading both afresh: every
 * BILL bill not archived has exactly one open-or-paid ledger purchase with the same amount, an
 * archived one's purchase is closed, every BILL payment settled on a synced bill is recorded in the
 * ledger (paid amounts equal), and every synced BILL vendor has an active ledger vendor. Totals per
 * currency: `bill` is what BILL holds that belongs in the ledger, `erp` the ledger purchases linked
 * to it (and any duplicates), `erpLinked` the linked ones only.
 */
export async function reconcileBillLedger({ db, link, sides }: ReconcileRun): Promise<ReconcileReport> {
  const ledger = sides.erp;
  const hub = sides.bill;
  const differences: Difference[] = [];
  const purchases = new Map<string, BillSummary>();
  const byKey = new Map<string, string[]>();
  for await (const page of ledger.billDirectory!.iterate()) {
    for (const p of page) {
      purchases.set(p.id, p);
      const k = billMatchKey(p.vendorId, p.invoiceNumber, p.amount.minor);
      byKey.set(k, [...(byKey.get(k) ?? []), p.id]);
    }
  }
  const settled = new Map<string, Money>();
  let applications = 0;
  for await (const page of hub.read.payment!.iterate(null)) {
    for (const a of page.items) {
      if (a.state === 'escheated') {
        differences.push({ kind: 'payment_escheated', erpBillId: null, billId: a.billId, detail: `BILL payment ${a.paymentId} of ${formatMoney(a.amount)} ${a.amount.currency} is ${a.statusText}: the money went to the state, not the vendor` });
      }
      if (a.state !== 'settled') continue;
      applications += 1;
      settled.set(a.billId, addMoney(settled.get(a.billId) ?? money(a.amount.currency, 0n), a.amount));
    }
  }
  const totals = new ReconcileTotals();
  const bump = (currency: string, field: TotalField, m: Money) => totals.add(currency, field, m);

  let billBills = 0;
  let linkedBills = 0;
  // Each active BILL bill with the ledger purchase it is linked to, for the paid amounts below.
  const linkedPurchases: { billId: string; purchaseId: string }[] = [];
  for await (const page of hub.read.bill!.iterate(null)) {
    const mapped = await getMappings(db, { link: link.name, entity: 'bill' }, page.items.map((b) => b.id));
    for (const b of page.items) {
      billBills += 1;
      const archived = b.status === 'voided' || b.status === 'deleted';
      const row = mapped.get(b.id);
      if (!row || row.state !== 'linked') {
        if (!archived) {
          differences.push({ kind: 'missing_in_erp', erpBillId: null, billId: b.id, detail: `BILL bill ${b.invoiceNumber} (${formatMoney(b.total)} ${b.currency}) has no ledger record` });
          bump(b.currency, 'bill', b.total);
        }
        continue;
      }
      linkedBills += 1;
      const purchase = purchases.get(row.target_id!);
      if (!purchase) {
        differences.push({ kind: 'target_missing', erpBillId: row.target_id, billId: b.id, detail: `ledger record ${row.target_id} linked to BILL bill ${b.invoiceNumber} no longer exists` });
        if (!archived) bump(b.currency, 'bill', b.total);
        continue;
      }
      if (archived) {
        if (!purchase.archived) differences.push({ kind: 'not_closed', erpBillId: purchase.id, billId: b.id, detail: `BILL bill ${b.invoiceNumber} is archived but ledger record ${purchase.id} is open` });
        continue;
      }
      linkedPurchases.push({ billId: b.id, purchaseId: purchase.id });
      bump(b.currency, 'bill', b.total);
      bump(purchase.amount.currency, 'erp', purchase.amount);
      bump(purchase.amount.currency, 'erpLinked', purchase.amount);
      if (purchase.amount.currency !== b.currency || compareMoney(purchase.amount, b.total) !== 0) {
        differences.push({ kind: 'amount_differs', erpBillId: purchase.id, billId: b.id, detail: `BILL ${formatMoney(b.total)} ${b.currency} vs ledger ${formatMoney(purchase.amount)} ${purchase.amount.currency}` });
      }
      const twins = (byKey.get(billMatchKey(purchase.vendorId, purchase.invoiceNumber, purchase.amount.minor)) ?? []).filter((id) => id !== purchase.id && !purchases.get(id)?.archived);
      if (twins.length > 0) {
        differences.push({ kind: 'duplicate_in_erp', erpBillId: purchase.id, billId: b.id, detail: `the ledger has ${twins.length + 1} records ${[purchase.id, ...twins].join(', ')} for BILL bill ${b.invoiceNumber}` });
        for (const id of twins) bump(purchases.get(id)!.amount.currency, 'erp', purchases.get(id)!.amount);
      }
    }
  }
  // Paid amounts: the ledger's view of each linked purchase (a PurchaseOrder reads as the Bill it became).
  const ledgerBills = new Map<string, Bill>();
  for (let i = 0; i < linkedPurchases.length; i += 50) {
    for (const b of (await ledger.read.bill!.get(linkedPurchases.slice(i, i + 50).map((l) => l.purchaseId))).items) ledgerBills.set(b.id, b);
  }
  for (const row of linkedPurchases) {
    const ledgerBill = ledgerBills.get(row.purchaseId);
    if (!ledgerBill) continue;
    const paidInBill = settled.get(row.billId) ?? money(ledgerBill.currency, 0n);
    bump(ledgerBill.currency, 'paidInBill', paidInBill);
    bump(ledgerBill.currency, 'paidInErp', ledgerBill.amountPaid);
    if (paidInBill.currency === ledgerBill.currency && compareMoney(paidInBill, ledgerBill.amountPaid) !== 0) {
      differences.push({
        kind: compareMoney(paidInBill, ledgerBill.amountPaid) > 0 ? 'payment_not_applied' : 'paid_amount_differs',
        erpBillId: ledgerBill.id,
        billId: row.billId,
        detail: `BILL settled ${formatMoney(paidInBill)} but the ledger shows ${formatMoney(ledgerBill.amountPaid)} ${ledgerBill.currency} paid`,
      });
    }
  }
  const vendors = await reconcileLedgerVendors(db, link, sides, differences);
  return {
    link: link.name,
    agree: differences.length === 0,
    checked: { erpBills: purchases.size, linkedBills, billBills, paymentApplications: applications, ...vendors },
    totals: totals.report(),
    differences,
  };
}

/** Every BILL vendor linked to a ledger vendor still finds it there, active. */
async function reconcileLedgerVendors(db: ReconcileRun['db'], link: ReconcileRun['link'], sides: ReconcileRun['sides'], differences: Difference[]): Promise<{ linkedVendors: number; billVendors: number }> {
  const linked = await listLinked(db, { link: link.name, entity: 'vendor' });
  const ledgerVendors = new Map<string, { archived: boolean }>();
  for await (const page of sides.erp.vendorDirectory!.iterate()) for (const v of page) ledgerVendors.set(v.id, v);
  let billVendors = 0;
  for await (const page of sides.bill.vendorDirectory!.iterate()) billVendors += page.length;
  for (const row of linked) {
    const v = ledgerVendors.get(row.target_id!);
    if (!v || v.archived) {
      differences.push({ kind: 'vendor_missing_in_erp', erpBillId: null, billId: null, detail: `BILL vendor ${row.source_id} is linked to ledger vendor ${row.target_id}, which ${v ? 'is inactive' : 'no longer exists'}` });
    }
  }
  return { linkedVendors: linked.length, billVendors };
}
