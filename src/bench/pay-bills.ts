import { formatMoney, parseMoney } from '../core/money.ts';
import type { BillCredentials } from '../systems/bill/auth.ts';
import { createBillClient } from '../systems/bill/client.ts';
import { MemoryCredentialStore } from '../systems/memory-credential-store.ts';
import { mapLimit } from '../core/concurrency.ts';
import type { EmulatorProcess } from './emulator-process.ts';

export interface PaidShare {
  full: number;
  partial: number;
}

/**
 * Pays bills in BILL the way the BILL network would (the emulator's `POST /_emulator/pay`): of the
 * open bills, every third in full and every third in half (rounded down to the cent), page by page
 * so memory stays flat. Runs before the payments phase resets the stats, so its reads are not counted.
 */
export async function payShareOfBills(emulators: EmulatorProcess): Promise<PaidShare> {
  const endpoints = emulators.bill;
  const client = createBillClient({ credentials: new MemoryCredentialStore<BillCredentials>({ ...endpoints.sandbox }), urls: endpoints.urls });
  const org = client.forOrg(endpoints.sandbox.organizationId);
  const paid: PaidShare = { full: 0, partial: 0 };
  let index = 0;
  for await (const page of org.iterateBills({ filters: [{ field: 'archived', op: 'eq', value: false }] })) {
    const orders: { billId: string; amount?: string }[] = [];
    for (const bill of page.records) {
      const due = parseMoney(bill.dueAmount ?? bill.amount, 'USD');
      const slot = index++ % 3;
      if (due.minor <= 0n || slot === 2) continue;
      if (slot === 0) {
        orders.push({ billId: bill.id });
        paid.full += 1;
      } else if (due.minor >= 2n) {
        orders.push({ billId: bill.id, amount: formatMoney({ currency: 'USD', minor: due.minor / 2n }) });
        paid.partial += 1;
      }
    }
    // Control routes sit outside BILL's limits; a few at a time keeps the emulator responsive.
    await mapLimit(orders, 8, (order) => emulators.control('bill', '/pay', order));
  }
  return paid;
}
