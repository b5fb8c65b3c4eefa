/**
 * A BILL organisation and a QBO company connected as a user connects them (Intuit's code flow,
 * BILL's login) with a BILL → QBO link whose maps a bookkeeper set: every BILL expense account but
 * `unmappedName` pinned onto QBO's expense accounts, Marketing and Engineering onto the Research
 * class. QBO already holds a vendor named like BILL's first one. State is read from the emulators.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../src/core/log.ts';
import { parseMoney } from '../../src/core/money.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { engineDeps } from '../../src/app/engine-deps.ts';
import { startBillEmulator, type BillEmulator } from '../../src/emulators/bill/index.ts';
import { startQboEmulator, type QboEmulator } from '../../src/emulators/qbo/index.ts';
import type { EngineDeps } from '../../src/engine/sync.ts';
import type { EnginePolicy } from '../../src/engine/policy.ts';
import { billQboSettingsSchema, type BillQboSettings } from '../../src/pairs/bill-qbo/settings.ts';
import type { Link } from '../../src/model/link.ts';
import { connectBillQboSandbox } from '../../src/sandbox/connect-bill-qbo.ts';
import type { BackendUnderTest } from '../helpers/db.ts';
import { QboClient } from '../emulators/qbo-helpers.ts';

export type Json = Record<string, any>;

export interface BillQboWorld {
  backend: BackendUnderTest;
  bill: BillEmulator;
  qbo: QboEmulator;
  deps: EngineDeps;
  /** The runtime the link was connected with (to serve it: the dashboard, the API, webhooks). */
  rt: Runtime;
  link: Link;
  twinVendorId: string;
  unmappedAccount: Json;
  org(): Json;
  qboTable(entity: string): Json[];
  /** The purchase orders on BILL's vendors (the QBO seed has its own). */
  ourPos(): Json[];
  billPay(billId: string, amount?: string): Promise<void>;
  usesUnmapped(b: Json): boolean;
  stop(): Promise<void>;
}

export const cents = (v: unknown): bigint => parseMoney(String(v), 'USD').minor;

export async function openBillQboWorld(backend: BackendUnderTest, options: { seed: number; vendors: number; bills: number; unmappedName?: string; policy?: Partial<EnginePolicy>; settings?: Partial<BillQboSettings> }): Promise<BillQboWorld> {
  const bill = await startBillEmulator({ seed: options.seed });
  bill.seed({ seed: options.seed, vendors: options.vendors, bills: options.bills, departments: 4 });
  const qbo = await startQboEmulator({ seed: options.seed });
  const org = (): Json => (bill.dump() as Json).organizations[0];
  const qboTable = (entity: string): Json[] => [...qbo.state.realms.get(qbo.sandbox.realmId)!.table(entity as never).values()].map((r) => r.data as Json);
  const twinName = org().vendors[0].name as string;
  const twin = await (await QboClient.open(qbo)).call('POST', '/vendor', { DisplayName: twinName, CompanyName: twinName });
  assert.equal(twin.status, 200, JSON.stringify(twin.body));

  const box = await openSecretBox({ dataDir: backend.dataDir, masterKey: randomBytes(32).toString('hex') });
  const deps = engineDeps({ db: backend.db, box, log: silentLogger }, options.policy);
  const rt: Runtime = { db: backend.db, box, log: silentLogger, dataDir: backend.dataDir, deps, close: async () => undefined };
  const qboExpense = qboTable('Account').filter((a) => a.AccountType === 'Expense');
  const billExpense = (org().chartOfAccounts as Json[]).filter((a) => a.account?.type === 'EXPENSE');
  const unmappedAccount = billExpense.find((a) => a.name === (options.unmappedName ?? 'Entertainment')) ?? {};
  const accountMap = Object.fromEntries(billExpense.filter((a) => a !== unmappedAccount).map((a, i) => [a.id, qboExpense[i % qboExpense.length]!.Id]));
  const research = qboTable('Class').find((c) => c.Name === 'Research')!;
  const departmentMap = Object.fromEntries((org().departments as Json[]).filter((d) => d.name === 'Marketing' || d.name === 'Engineering').map((d) => [d.id, research.Id]));
  const bank = qboTable('Account').find((a) => a.AccountType === 'Bank')!;
  const { link } = await connectBillQboSandbox(rt, { qbo, bill }, { linkName: 'books', settings: billQboSettingsSchema.parse({ departmentsAs: 'class', accountMap, departmentMap, paymentAccount: bank.AcctNum, ...options.settings }) });
  return {
    backend, bill, qbo, deps, rt, link, twinVendorId: (twin.body as Json).Vendor.Id, unmappedAccount, org, qboTable,
    ourPos() {
      const ours = new Set(qboTable('Vendor').filter((v) => (org().vendors as Json[]).some((b) => b.name === v.DisplayName)).map((v) => v.Id));
      return qboTable('PurchaseOrder').filter((po) => ours.has(po.VendorRef.value));
    },
    async billPay(billId, amount) {
      const r = await fetch(`${bill.urls.base}/_emulator/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ billId, ...(amount ? { amount } : {}) }) });
      assert.ok(r.ok, await r.text());
    },
    usesUnmapped: (b) => (b.billLineItems as Json[]).some((l) => l.classifications?.chartOfAccountId === unmappedAccount.id),
    async stop() {
      await bill.stop();
      await qbo.stop();
    },
  };
}
