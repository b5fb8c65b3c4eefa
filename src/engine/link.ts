/** Entity names every pair uses in id_map, records and audit. */
export const entities = {
  account: 'account',
  vendor: 'vendor',
  bill: 'bill',
  payment: 'payment',
} as const;
