import type { Runtime } from '../app/runtime.ts';
import { saveConnection } from '../store/repos/connections.ts';
import type { BillCredentials } from '../systems/bill/auth.ts';
import { createBillClient } from '../systems/bill/client.ts';
import { MemoryCredentialStore } from '../systems/memory-credential-store.ts';

export interface BillSandboxEndpoints {
  urls: { api: string; events: string };
  sandbox: BillCredentials & { organizationId: string };
}

/**
 * Connects a runtime to a running BILL emulator as `ml-connector connect bill` does: one login
 * checks the sign-in values, then the connection is saved encrypted (id 'bill').
 */
export async function connectBillSandbox(rt: Pick<Runtime, 'db' | 'box'>, bill: BillSandboxEndpoints): Promise<{ connectionId: string; billOrgId: string }> {
  const urls = { api: bill.urls.api, events: bill.urls.events };
  const store = new MemoryCredentialStore<BillCredentials>({ ...bill.sandbox });
  await createBillClient({ credentials: store, urls }).session.authorize({ method: 'GET', url: urls.api });
  await saveConnection(rt.db, rt.box, { id: 'bill', system: 'bill', label: bill.sandbox.organizationId, tenantId: bill.sandbox.organizationId, config: { urls }, secret: await store.load() });
  return { connectionId: 'bill', billOrgId: bill.sandbox.organizationId };
}
