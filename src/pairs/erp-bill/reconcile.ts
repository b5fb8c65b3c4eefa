import { addMoney, compareMoney, formatMoney, money, type Money } from '../../core/money.ts';
import { ReconcileTotals, type TotalField } from '../reconcile-totals.ts';
import type { Db } from '../../store/db.ts';
import { getMappings, listLinked } from '../../store/repos/id-map.ts';
import type { Link } from '../../model/link.ts';
import { billMatchKey, type BillSummary } from '../../model/payloads.ts';
import type { BillPaymentApplication } from '../../model/types.ts';
import type { ReconcileRun } from '../../engine/pair.ts';
import type { SystemPort } from '../../engine/ports.ts';
import type { Difference, ReconcileReport } from '../../engine/reconcile-report.ts';
import { isPayableToBill } from '../../flows/erp-to-bill/map-bill.ts';

/**
 * Proves the ledgers agree, reading both sides afresh (not trusting the id map alone):
 * every eligible ERP bill has exactly one BILL bill with the same amount, voided ones are archived,
 * and every settled BILL payment on a synced bill is applied in the ERP (paid amounts equal). A
 * BILL payment whose funds were escheated (the money went to the state, not the vendor) is a
 * difference of its own: the ledgers cannot agree while one is open, whatever the ERP shows.
 */
export async function reconcileErpBill({ db, link, sides }: ReconcileRun): Promise<ReconcileReport> {
  const erp = sides.erp;
  const hub = sides.bill;
  const differences: Difference[] = [];
  const hubBills = new Map<string, BillSummary>();
  const hubByKey = new Map<string, string[]>();
  for await (const page of hub.billDirectory!.iterate()) {
    for (const b of page) {
      hubBills.set(b.id, b);
      if (b.archived) continue;
      const k = billMatchKey(b.vendorId, b.invoiceNumber, b.amount.minor);
      hubByKey.set(k, [...(hubByKey.get(k) ?? []), b.id]);
    }
  }

  // BILL payments settled per BILL bill.
  const settled = new Map<string, Money>();
  const escheated = new Map<string, BillPaymentApplication[]>();
  let applications = 0;
  for await (const page of hub.read.payment!.iterate(null)) {
    for (const a of page.items) {
      if (a.state === 'escheated') escheated.set(a.billId, [...(escheated.get(a.billId) ?? []), a]);
      if (a.state !== 'settled') continue;
      applications += 1;
      settled.set(a.billId, addMoney(settled.get(a.billId) ?? money(a.amount.currency, 0n), a.amount));
    }
  }

  const totals = new ReconcileTotals();
  const bump = (currency: string, field: TotalField, m: Money) => totals.add(currency, field, m);

  let erpBills = 0;
  let linkedBills = 0;
  // Active BILL bills that duplicate a linked one, and the linked ones: each duplicate counts once in BILL's total.
  const duplicates = new Set<string>();
  const linkedTargets = new Set<string>();
  for await (const page of erp.read.bill!.iterate(null)) {
    const mapped = await getMappings(db, { link: link.name, entity: 'bill' }, page.items.map((b) => b.id));
    for (const b of page.items) {
      erpBills += 1;
      const row = mapped.get(b.id);
      const eligible = isPayableToBill(b);
      if (!row || row.state !== 'linked') {
        if (eligible) {
          differences.push({ kind: 'missing_in_bill', erpBillId: b.id, billId: null, detail: `approved unpaid bill ${b.invoiceNumber} (${formatMoney(b.total)} ${b.currency}) has no BILL bill` });
          bump(b.currency, 'erp', b.total);
        }
        continue;
      }
      linkedBills += 1;
      const target = hubBills.get(row.target_id!);
      if (!target) {
        differences.push({ kind: 'target_missing', erpBillId: b.id, billId: row.target_id, detail: `BILL bill ${row.target_id} linked to ${b.invoiceNumber} no longer exists` });
        if (b.status !== 'voided' && b.status !== 'deleted') bump(b.currency, 'erp', b.total);
        continue;
      }
      for (const a of escheated.get(target.id) ?? []) {
        differences.push({
          kind: 'payment_escheated',
          erpBillId: b.id,
          billId: target.id,
          detail: `BILL payment ${a.paymentId} of ${formatMoney(a.amount)} ${a.amount.currency} is ${a.statusText}: the money went to the state, not the vendor; ${b.invoiceNumber} must not be marked paid for it`,
        });
      }
      if (b.status === 'voided' || b.status === 'deleted') {
        if (!target.archived) differences.push({ kind: 'not_archived', erpBillId: b.id, billId: target.id, detail: `bill ${b.status} in the ERP but BILL bill ${target.id} is active` });
        continue;
      }
      bump(b.currency, 'erp', b.total);
      bump(b.currency, 'erpLinked', b.total);
      bump(target.amount.currency, 'bill', target.amount);
      linkedTargets.add(target.id);
      if (target.amount.currency !== b.currency || compareMoney(target.amount, b.total) !== 0) {
        differences.push({ kind: 'amount_differs', erpBillId: b.id, billId: target.id, detail: `ERP ${formatMoney(b.total)} ${b.currency} vs BILL ${formatMoney(target.amount)} ${target.amount.currency}` });
      }
      const dupes = hubByKey.get(billMatchKey(target.vendorId, target.invoiceNumber, target.amount.minor)) ?? [];
      if (dupes.length > 1) {
        for (const id of dupes) duplicates.add(id);
        differences.push({ kind: 'duplicate_in_bill', erpBillId: b.id, billId: target.id, detail: `BILL has ${dupes.length} active bills ${dupes.join(', ')} for ${b.invoiceNumber}` });
      }
      const paidInBill = settled.get(target.id) ?? money(b.currency, 0n);
      bump(b.currency, 'paidInBill', paidInBill);
      bump(b.currency, 'paidInErp', b.amountPaid);
      if (paidInBill.currency === b.currency && compareMoney(paidInBill, b.amountPaid) !== 0) {
        differences.push({
          kind: compareMoney(paidInBill, b.amountPaid) > 0 ? 'payment_not_applied' : 'paid_amount_differs',
          erpBillId: b.id,
          billId: target.id,
          detail: `BILL settled ${formatMoney(paidInBill)} but the ERP shows ${formatMoney(b.amountPaid)} ${b.currency} paid`,
        });
      }
    }
  }
  for (const id of duplicates) if (!linkedTargets.has(id)) bump(hubBills.get(id)!.amount.currency, 'bill', hubBills.get(id)!.amount);
  const vendors = await reconcileVendors(db, link, hub, differences);
  return {
    link: link.name,
    agree: differences.length === 0,
    checked: { erpBills, linkedBills, billBills: hubBills.size, paymentApplications: applications, ...vendors },
    totals: totals.report(),
    differences,
  };
}

/**
 * Every synced ERP supplier has one active BILL vendor: the one it is linked to exists and is not
 * archived, and no other active BILL vendor under the same name stands beside it unlinked (the
 * mark of a vendor created twice). A same-name vendor a person keeps on purpose is shown too: only
 * a person can tell the two cases apart.
 */
async function reconcileVendors(db: Db, link: Link, hub: SystemPort, differences: Difference[]): Promise<{ linkedVendors: number; billVendors: number }> {
  const linked = await listLinked(db, { link: link.name, entity: 'vendor' });
  const hubVendors = new Map<string, { id: string; name: string; archived: boolean }>();
  for await (const page of hub.vendorDirectory!.iterate()) for (const v of page) hubVendors.set(v.id, v);
  const linkedIds = new Set(linked.map((r) => r.target_id!));
  const activeByName = new Map<string, string[]>();
  for (const v of hubVendors.values()) {
    if (v.archived) continue;
    const k = v.name.trim().toLowerCase();
    activeByName.set(k, [...(activeByName.get(k) ?? []), v.id]);
  }
  for (const row of linked) {
    const vendor = hubVendors.get(row.target_id!);
    if (!vendor || vendor.archived) {
      differences.push({ kind: 'vendor_missing_in_bill', erpBillId: null, billId: null, detail: `supplier ${row.source_id} is linked to BILL vendor ${row.target_id}, which ${vendor ? 'is archived' : 'no longer exists'}` });
      continue;
    }
    const twins = (activeByName.get(vendor.name.trim().toLowerCase()) ?? []).filter((id) => id !== vendor.id && !linkedIds.has(id));
    if (twins.length > 0) {
      differences.push({ kind: 'duplicate_vendor_in_bill', erpBillId: null, billId: null, detail: `BILL has ${twins.length + 1} active vendors named '${vendor.name}' (${[vendor.id, ...twins].join(', ')}); only ${vendor.id} is linked to supplier ${row.source_id}` });
    }
  }
  return { linkedVendors: linked.length, billVendors: hubVendors.size };
}
