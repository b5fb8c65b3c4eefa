import { addMoney, formatMoney, money, type Money } from '../core/money.ts';
import type { ReconcileReport } from '../engine/reconcile-report.ts';

export type TotalField = keyof ReconcileReport['totals'][string];

/**
 * Reconcile's totals per currency, summed in minor units: `add` counts an amount under a field of
 * its currency's row (an amount in another currency than the row's is left out, never converted),
 * `report` gives them as decimal text.
 */
export class ReconcileTotals {
  private readonly sums = new Map<string, Record<TotalField, Money>>();

  add(currency: string, field: TotalField, m: Money): void {
    let t = this.sums.get(currency);
    if (!t) {
      const zero = money(currency, 0n);
      t = { erp: zero, erpLinked: zero, bill: zero, paidInBill: zero, paidInErp: zero };
      this.sums.set(currency, t);
    }
    if (m.currency === currency) t[field] = addMoney(t[field], m);
  }

  report(): ReconcileReport['totals'] {
    return Object.fromEntries([...this.sums].map(([c, t]) => [c, {
      erp: formatMoney(t.erp), erpLinked: formatMoney(t.erpLinked), bill: formatMoney(t.bill), paidInBill: formatMoney(t.paidInBill), paidInErp: formatMoney(t.paidInErp),
    }]));
  }
}
