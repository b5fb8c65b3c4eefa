/** Entity names used in id_map, records and audit. */
export const entities = {
  account: 'account',
  vendor: 'vendor',
  bill: 'bill',
  payment: 'payment',
} as const;

/** Cursor stream names. */
export const streams = {
  erpSuppliers: 'erp.suppliers',
  erpBills: 'erp.bills',
  hubPayments: 'bill.payments',
} as const;
