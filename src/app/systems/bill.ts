import { formatMoney } from '../../core/money.ts';
import { BillPort } from '../../systems/bill/port.ts';
import { billSpec } from '../../systems/bill/spec.ts';
import { openBillClient, reconnectCommand } from './bill-client.ts';
import { billCredentialsFlow } from './bill-credentials.ts';
import { billWebhookSubscriptions } from './bill-subscriptions/index.ts';
import { billWebhook } from './bill-webhook.ts';
import type { SideDeps, SystemEntry } from './types.ts';

export type { BillConnectionConfig } from './bill-credentials.ts';
export { openBillClient } from './bill-client.ts';

/** Chart of accounts, departments and vendors: what a link writes next to. */
async function ping(deps: SideDeps, connectionId: string): Promise<Record<string, unknown>> {
  const { client, orgId } = await openBillClient(deps, connectionId);
  const o = client.forOrg(orgId);
  const [accounts, departments] = await Promise.all([o.listChartOfAccounts(), o.listDepartments()]);
  let vendors = 0;
  for await (const page of o.iterateVendors()) vendors += page.records.length;
  // Recurring bills with their next dates (BILL → ledger pairs sync each bill they make like any other).
  const recurring = (await new BillPort(o).recurringBills.list()).items.filter((r) => !r.archived);
  const recurringBills = recurring.slice(0, 20).map((r) => ({ vendor: r.vendorName || r.vendorId, amount: `${formatMoney(r.amount)} ${r.amount.currency}`, every: r.frequencyLabel, next: r.nextDueDate ?? 'ended' }));
  return { organizationId: orgId, chartOfAccounts: accounts.length, departments: departments.length, vendors, recurringBills: { count: recurring.length, first: recurringBills } };
}

export const billSystem: SystemEntry = {
  id: 'bill',
  spec: billSpec,
  async openSide(deps, connectionId) {
    const { client, orgId } = await openBillClient(deps, connectionId);
    return new BillPort(client.forOrg(orgId));
  },
  ping,
  webhook: billWebhook,
  subscriptions: billWebhookSubscriptions,
  connect: billCredentialsFlow,
  reconnectCommand,
};
