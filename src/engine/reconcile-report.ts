/** What reconcile reports for a link: the pair's reconcile fills it, the engine keeps it as the link's last reconciliation. */
export interface Difference {
  kind: 'missing_in_bill' | 'amount_differs' | 'duplicate_in_bill' | 'not_archived' | 'payment_not_applied' | 'paid_amount_differs' | 'payment_escheated' | 'target_missing'
    | 'vendor_missing_in_bill' | 'duplicate_vendor_in_bill'
    // A pair whose ledger is the target (BILL → QBO): the ledger lacks, duplicates or left open what BILL holds.
    | 'missing_in_erp' | 'duplicate_in_erp' | 'not_closed' | 'vendor_missing_in_erp';
  erpBillId: string | null;
  billId: string | null;
  detail: string;
}

export interface ReconcileReport {
  link: string;
  agree: boolean;
  checked: { erpBills: number; linkedBills: number; billBills: number; paymentApplications: number; linkedVendors: number; billVendors: number };
  /**
   * Per currency. `erp`: every ERP bill that should be in BILL (the linked ones and the approved
   * unpaid ones missing there), so a missing bill shows in the totals as well as in the
   * differences; `erpLinked`: the linked ones only; `bill`: the BILL bills they are linked to and
   * any active duplicates of them.
   */
  totals: Record<string, { erp: string; erpLinked: string; bill: string; paidInBill: string; paidInErp: string }>;
  differences: Difference[];
}
