import type { Runtime } from '../app/runtime.ts';
import { connectBillSandbox, type BillSandboxEndpoints } from './connect-bill.ts';
import type { Link } from '../model/link.ts';
import { billQboSettingsSchema, type BillQboSettings } from '../pairs/bill-qbo/settings.ts';
import { getLink, saveLink } from '../store/repos/links.ts';
import { connectQboSandbox } from './connect-qbo.ts';

export interface BillQboSandboxEndpoints {
  qbo: { urls: { base: string }; sandbox: { clientId: string; clientSecret: string; webhookVerifierToken?: string } };
  bill: BillSandboxEndpoints;
}

/**
 * Connects a runtime to running QBO and BILL emulators through the paths a user takes (Intuit's
 * code flow for QBO, BILL's login), stores both connections encrypted ('qbo' and 'bill') and a
 * BILL → QBO link between them: BILL departments as QBO classes, BillPayments paid from the
 * emulator's checking account (number 1000). Account pins are the caller's (`settings.accountMap`).
 */
export async function connectBillQboSandbox(
  rt: Runtime,
  emulators: BillQboSandboxEndpoints,
  options: { linkName?: string; settings?: Partial<BillQboSettings> } = {},
): Promise<{ link: Link; billOrgId: string; realmId: string }> {
  const { realmId } = await connectQboSandbox(rt, { qboUrl: emulators.qbo.urls.base, sandbox: emulators.qbo.sandbox });
  await connectBillSandbox(rt, emulators.bill);
  const name = options.linkName ?? 'sandbox';
  const settings = billQboSettingsSchema.parse({ departmentsAs: 'class', paymentAccount: '1000', ...options.settings });
  await saveLink(rt.db, { name, pair: 'bill-qbo', erpSystem: 'qbo', erpConnectionId: 'qbo', billConnectionId: 'bill', settings });
  const link = await getLink(rt.db, name);
  if (!link) throw new Error(`link '${name}' was not saved`);
  return { link, billOrgId: emulators.bill.sandbox.organizationId, realmId };
}
