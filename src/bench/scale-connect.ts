import type { Runtime } from '../app/runtime.ts';
import { openXeroClient, type XeroConnectionConfig } from '../app/sides.ts';
import { runXeroConsent } from '../app/xero-connect.ts';
import { xeroBillSettingsSchema } from '../pairs/xero-bill/settings.ts';
import { playBrowser } from '../sandbox/connect.ts';
import type { BillCredentials } from '../systems/bill/auth.ts';
import { createBillClient } from '../systems/bill/client.ts';
import { MemoryCredentialStore } from '../systems/memory-credential-store.ts';
import { saveConnection } from '../store/repos/connections.ts';
import { saveLink } from '../store/repos/links.ts';
import type { ScaleEmulators } from './scale-emulators.ts';

/** One firm of the bench: its link, its Xero tenant and its BILL organisation (all on the one devKey). */
export interface ScaleOrg {
  index: number;
  link: string;
  billConnectionId: string;
  xeroTenantId: string;
  billOrgId: string;
}

/** The BILL limits each connection runs under: the compressed hour, with the spec's share of it as the budget. */
export interface BillHourOverride {
  windows: [{ name: 'hour'; windowMs: number; published: number; budget: number }];
}

/**
 * Seeds N firms and connects each through the paths a user takes: Xero holds one tenant per firm
 * (the primary and `extraTenants` more, each `suppliers` and `bills` in size; the small standard
 * second tenant is left unconnected), BILL one organisation per firm, every one signed in with the
 * same developer key. Each firm gets a Xero consent of its own (its own grant, as each firm's
 * bookkeeper connects their own), a BILL connection with the compressed hour as its limits, and a
 * Xero ⇄ BILL link.
 */
export async function connectScaleOrgs(rt: Runtime, emulators: ScaleEmulators, options: { orgs: number; bills: number; suppliers: number; seed: number; billHour: BillHourOverride }): Promise<ScaleOrg[]> {
  const xeroSeed = (await emulators.control('xero', '/seed', { seed: options.seed, suppliers: options.suppliers, bills: options.bills, extraTenants: options.orgs - 1 })) as { tenants: { tenantId: string }[] };
  const tenants = [xeroSeed.tenants[0]!, ...xeroSeed.tenants.slice(2)].map((t) => t.tenantId);
  if (tenants.length !== options.orgs) throw new Error(`the Xero emulator seeded ${tenants.length} tenants for ${options.orgs} firms`);
  const billOrgs: string[] = [];
  for (let i = 0; i < options.orgs; i += 1) {
    // BILL's vendors and bills come from Xero; three existing vendors, as an organisation in use has.
    const input = { seed: options.seed + i, vendors: 3, bills: 0, name: `Firm ${i + 1}` };
    const seeded = (await emulators.control('bill', i === 0 ? '/seed' : '/organizations', input)) as { organizationId: string };
    billOrgs.push(seeded.organizationId);
  }

  const xero = emulators.endpoints.xero;
  const bill = emulators.endpoints.bill;
  const urls: XeroConnectionConfig['urls'] = { api: xero.api, login: xero.login, identity: xero.identity, connections: xero.connections };
  const orgs: ScaleOrg[] = [];
  let paymentAccountCode: string | undefined;
  for (let i = 0; i < options.orgs; i += 1) {
    const tenantId = tenants[i]!;
    const consent = await runXeroConsent({ clientId: xero.sandbox.clientId, clientSecret: xero.sandbox.clientSecret, urls, onUrl: (url) => playBrowser(url) });
    const tenant = consent.tenants.find((t) => t.tenantId === tenantId);
    if (!tenant) throw new Error(`the Xero consent did not grant tenant ${tenantId}`);
    const xeroId = `xero-${i + 1}`;
    await saveConnection(rt.db, rt.box, {
      id: xeroId, system: 'xero', label: tenant.tenantName ?? tenantId, tenantId,
      config: { clientId: xero.sandbox.clientId, urls, ...(tenant.tenantName ? { tenantName: tenant.tenantName } : {}) },
      secret: { ...consent.credentials, clientSecret: xero.sandbox.clientSecret }, tokenExpiresAt: new Date(consent.credentials.expiresAt),
    });

    const billId = `bill-${i + 1}`;
    const billUrls = { api: bill.api, events: bill.events };
    const store = new MemoryCredentialStore<BillCredentials>({ ...bill.sandbox, organizationId: billOrgs[i]! });
    await createBillClient({ credentials: store, urls: billUrls }).session.authorize({ method: 'GET', url: billUrls.api });
    await saveConnection(rt.db, rt.box, { id: billId, system: 'bill', label: billOrgs[i]!, tenantId: billOrgs[i]!, config: { urls: billUrls, limits: options.billHour }, secret: await store.load() });

    if (paymentAccountCode === undefined) {
      // Every tenant is seeded with the same chart, so the first one's bank account code serves all.
      const { client } = await openXeroClient(rt, xeroId);
      paymentAccountCode = (await client.forTenant(tenantId).listAccounts()).find((a) => a.Type === 'BANK' && a.Code)?.Code;
      if (!paymentAccountCode) throw new Error('the Xero sandbox has no bank account with a code');
    }
    const link = `firm-${i + 1}`;
    const settings = xeroBillSettingsSchema.parse({ paymentAccount: { code: paymentAccountCode } });
    await saveLink(rt.db, { name: link, pair: 'xero-bill', erpSystem: 'xero', erpConnectionId: xeroId, billConnectionId: billId, settings });
    orgs.push({ index: i, link, billConnectionId: billId, xeroTenantId: tenantId, billOrgId: billOrgs[i]! });
  }
  return orgs;
}
