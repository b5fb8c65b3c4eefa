/**
 * Acumatica ⇄ BILL end to end over real HTTP, on both back-ends: connected through the same
 * credentials check a user runs, released bills and their vendors to BILL, unreleased and
 * non-bill documents skipped with a reason, BILL payments back as released Acumatica checks that
 * lower the original bill's balance. Judged by the emulators' own state.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../src/core/log.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { engineDeps } from '../../src/app/engine-deps.ts';
import { acumaticaCredentialsFlow } from '../../src/app/systems/acumatica-credentials.ts';
import { startAcumaticaEmulator, type AcumaticaEmulator } from '../../src/emulators/acumatica/index.ts';
import { startBillEmulator, type BillEmulator } from '../../src/emulators/bill/index.ts';
import type { EngineDeps } from '../../src/engine/sync.ts';
import { syncLink } from '../../src/engine/sync.ts';
import { reconcile } from '../../src/engine/reconcile.ts';
import { acumaticaBillSettingsSchema } from '../../src/pairs/acumatica-bill/settings.ts';
import type { Link } from '../../src/model/link.ts';
import type { BillCredentials } from '../../src/systems/bill/auth.ts';
import { createBillClient } from '../../src/systems/bill/client.ts';
import { MemoryCredentialStore } from '../../src/systems/memory-credential-store.ts';
import { saveConnection } from '../../src/store/repos/connections.ts';
import { getLink, saveLink } from '../../src/store/repos/links.ts';
import { forEachBackend } from '../helpers/db.ts';

type Json = Record<string, any>;

forEachBackend('Acumatica ⇄ BILL end to end', (backend) => {
  let acu: AcumaticaEmulator;
  let bill: BillEmulator;
  let deps: EngineDeps;
  let link: Link;
  const tenant = () => acu.state.tenants.get(acu.sandbox.tenant)!;
  const acuBills = () => [...(tenant().tables.get('Bill')?.values() ?? [])];
  const acuChecks = () => [...(tenant().tables.get('Check')?.values() ?? [])];
  const billBills = (): Json[] => (bill.dump() as Json).organizations?.[0]?.bills ?? (bill.dump() as Json).bills ?? [];

  before(async () => {
    acu = await startAcumaticaEmulator({ seed: 11 });
    acu.seed({ seed: 11, vendors: 8, bills: 30 });
    bill = await startBillEmulator({ seed: 11 });
    bill.seed({ vendors: 0, bills: 0 });
    const box = await openSecretBox({ dataDir: backend.dataDir, masterKey: randomBytes(32).toString('hex') });
    const side = { db: backend.db, box, log: silentLogger };
    deps = engineDeps(side);
    // The connect path a user takes: one sign-in and read check the values, then they are saved encrypted.
    const values = { tenant: acu.sandbox.tenant, branch: acu.sandbox.branch, username: acu.sandbox.name, password: acu.sandbox.password };
    const urls = acumaticaCredentialsFlow.urlsFor(acu.urls.base);
    const secret = await acumaticaCredentialsFlow.check(values, urls, silentLogger);
    await saveConnection(backend.db, box, { ...acumaticaCredentialsFlow.connection(values, urls, secret, 'acu'), system: 'acumatica' });
    const billUrls = { api: bill.urls.api, events: bill.urls.events };
    const store = new MemoryCredentialStore<BillCredentials>({ ...bill.sandbox });
    await createBillClient({ credentials: store, urls: billUrls }).session.authorize({ method: 'GET', url: billUrls.api });
    await saveConnection(backend.db, box, { id: 'bill', system: 'bill', label: bill.sandbox.organizationId, tenantId: bill.sandbox.organizationId, config: { urls: billUrls }, secret: await store.load() });
    await saveLink(backend.db, { name: 'acu', pair: 'acumatica-bill', erpSystem: 'acumatica', erpConnectionId: 'acu', billConnectionId: 'bill', settings: acumaticaBillSettingsSchema.parse({ cashAccount: '10100', paymentMethod: 'CHECK' }) });
    link = (await getLink(backend.db, 'acu'))!;
  });
  after(async () => {
    await acu?.stop();
    await bill?.stop();
  });

  test('released bills and their vendors reach BILL once; the rest are skipped with a reason; sessions are signed out', async () => {
    const open = acuBills().filter((b) => b.fields.Status === 'Open' && (b.fields.Type === 'Bill' || b.fields.Type === 'Credit Adj.') && Number(b.fields.Balance) === Number(b.fields.Amount));
    assert.ok(open.length >= 3, `the seed has released unpaid bills (got ${open.length})`);
    const run = await syncLink(deps, link);
    assert.equal(run.error, null, JSON.stringify(run.error));
    assert.ok(run.counts['bill.create']! >= open.length - 2, JSON.stringify(run.counts));
    assert.ok(run.counts['vendor.create']! >= 1, JSON.stringify(run.counts));
    assert.ok((run.counts['bill.skip'] ?? 0) > 0, 'unreleased and closed documents are skipped');
    const inBill = billBills().filter((b) => !b.archived);
    assert.equal(inBill.length, run.counts['bill.create'], 'one BILL bill per bill created');
    assert.equal((acu.dump() as Json).liveSessions, 0, 'the run signed its Acumatica session out');
    const again = await syncLink(deps, link);
    assert.equal(again.counts['bill.create'] ?? 0, 0, JSON.stringify(again.counts));
    assert.equal(billBills().filter((b) => !b.archived).length, inBill.length, 'a second run creates nothing');
  });

  test('a BILL payment becomes a released Acumatica check applied to the original bill, which closes', async () => {
    const target = billBills().find((b) => !b.archived)!;
    const before = acuChecks().length;
    bill.pay({ billId: target.id });
    const run = await syncLink(deps, link);
    assert.equal(run.counts['payment.create'], 1, JSON.stringify(run.counts));
    const checks = acuChecks().slice(before);
    assert.equal(checks.length, 1, 'one Acumatica payment');
    assert.equal(checks[0]!.fields.Type, 'Payment');
    assert.notEqual(checks[0]!.fields.Status, 'Balanced', 'it was released');
    // Released: its applications are history now (Checks and Payments, AP302000).
    const applied = checks[0]!.details.History?.[0]?.fields ?? {};
    assert.equal(applied.DocType, 'Bill');
    assert.match(String(checks[0]!.fields.Description), new RegExp(`^BILL \\S+ ${checks[0]!.fields.PaymentRef}$`), 'it carries the BILL payment and application ids');
    assert.match(String(checks[0]!.fields.PaymentRef), /^blp/);
    const source = acuBills().find((b) => b.fields.ReferenceNbr === applied.ReferenceNbr)!;
    assert.equal(source.fields.Status, 'Closed');
    assert.equal(Number(source.fields.Balance), 0);
    const again = await syncLink(deps, link);
    assert.equal(again.counts['payment.create'] ?? 0, 0);
    assert.equal(acuChecks().length, before + 1, 'never posted twice');
    const report = await reconcile(deps, link);
    assert.deepEqual(report.differences.filter((d) => d.kind.startsWith('payment')), []);
  });
});
