import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatMoney, parseMoney } from '../core/money.ts';
import { startEmulators } from '../emulators/index.ts';
import { openRuntime } from '../app/runtime.ts';
import { listLinked } from '../store/repos/id-map.ts';
import { connectSandbox } from '../sandbox/connect.ts';
import { connectAcumaticaSandbox } from '../sandbox/connect-acumatica.ts';
import type { Link } from '../model/link.ts';
import { syncLink, type RunResult } from '../engine/sync.ts';
import { reconcile } from '../engine/reconcile.ts';
import { createBillClient } from '../systems/bill/client.ts';
import { MemoryCredentialStore } from '../systems/memory-credential-store.ts';
import type { BillCredentials } from '../systems/bill/auth.ts';
import { billQboStory } from './bill-qbo-story.ts';

/**
 * The whole product on one screen: starts the emulators in-process, seeds a realistic firm, connects
 * through the real OAuth and login code paths, syncs, pays part of the bills in BILL (some
 * partially), syncs the payments back and reconciles. Exits 0 only when reconciliation agrees.
 * `--erp acumatica` runs the same story on Acumatica ⇄ BILL (default: xero); `--erp qbo` runs
 * BILL → QuickBooks Online, where BILL is the source (bill-qbo-story.ts).
 */
const say = (text: string) => process.stdout.write(`${text}\n`);
const summary = (r: RunResult) => Object.entries(r.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`).join('  ');

const erps = ['xero', 'acumatica', 'qbo'] as const;
type DemoErp = (typeof erps)[number];

function erpOf(argv: readonly string[]): DemoErp {
  const i = argv.indexOf('--erp');
  const given = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--erp='))?.slice(6);
  if (given === undefined) return 'xero';
  if (!(erps as readonly string[]).includes(given)) throw new Error(`--erp must be one of ${erps.join(', ')}, got '${given}'`);
  return given as DemoErp;
}

async function main(erp: DemoErp): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mlc-demo-'));
  const emulators = await startEmulators({ only: [erp, 'bill'], seed: 42 });
  const billEmu = emulators.bill!;
  const erpName = erp === 'xero' ? 'Xero' : 'Acumatica';
  try {
    if (erp === 'qbo') {
      const rt = await openRuntime({ dataDir, masterKey: undefined });
      try {
        return await billQboStory(rt, emulators.qbo!, billEmu, say);
      } finally {
        await rt.close();
      }
    }
    billEmu.seed({ seed: 42, vendors: 3, bills: 0 });
    if (erp === 'xero') {
      say('1. Seeding the Xero sandbox (40 suppliers, 100 bills in mixed states) and the BILL sandbox');
      const seeded = await fetch(`${emulators.xero!.urls.base}/_emulator/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seed: 42, suppliers: 40, bills: 100 }) });
      if (!seeded.ok) throw new Error(`Xero emulator seed failed: ${seeded.status} ${await seeded.text()}`);
    } else {
      say('1. Seeding the Acumatica sandbox (36 vendors, 100 AP documents: bills, adjustments and prepayments on hold, balanced, open and closed; subaccounts) and the BILL sandbox');
      emulators.acumatica!.seed({ seed: 42, vendors: 36, bills: 100 });
    }

    const rt = await openRuntime({ dataDir, masterKey: undefined });
    try {
      let link: Link;
      let billOrgId: string;
      if (erp === 'xero') {
        say('2. Connecting Xero through the OAuth code flow (PKCE + state) and BILL through its login');
        const linked = await connectSandbox(rt, emulators, { linkName: 'demo' });
        ({ link, billOrgId } = linked);
        say(`   BILL organisation ${billOrgId}, payments post to Xero account ${linked.paymentAccountCode}`);
      } else {
        say('2. Connecting Acumatica through its sign-in (endpoint version checked, session signed out after) and BILL through its login');
        ({ link, billOrgId } = await connectAcumaticaSandbox(rt, { acumatica: emulators.acumatica!, bill: billEmu }, { linkName: 'demo' }));
        say(`   BILL organisation ${billOrgId}, payments recorded in Acumatica on cash account 10100 by check`);
      }
      const billClient = createBillClient({ credentials: new MemoryCredentialStore<BillCredentials>({ ...billEmu.sandbox }), urls: { api: billEmu.urls.api, events: billEmu.urls.events } });

      say('3. Dry run (nothing written):');
      const plan = await syncLink(rt.deps, link, { dryRun: true });
      say(`   ${summary(plan)}`);

      say(`4. First sync: accounts, ${erp === 'xero' ? 'suppliers and approved unpaid bills' : 'vendors and released unpaid bills'} to BILL`);
      const first = await syncLink(rt.deps, link);
      say(`   ${first.status}: ${summary(first)}`);
      if (first.error) say(`   stopped: ${first.error.code} ${first.error.message}`);

      say('5. Paying bills in BILL: some in full, some in part');
      const bills = await listLinked(rt.db, { link: 'demo', entity: 'bill' });
      let full = 0;
      let partial = 0;
      for (const [i, row] of bills.entries()) {
        if (i % 3 === 2) continue;
        const bill = await billClient.forOrg(billOrgId).getBill(row.target_id!);
        const due = bill.dueAmount ?? bill.amount;
        if (i % 3 === 0) {
          billEmu.pay({ billId: row.target_id! });
          full += 1;
        } else {
          const half = parseMoney(due, 'USD');
          billEmu.pay({ billId: row.target_id!, amount: formatMoney({ currency: 'USD', minor: half.minor / 2n }) });
          partial += 1;
        }
      }
      say(`   paid ${full} bills in full and ${partial} in part`);

      say(`6. Second sync: payments back to ${erpName} against the original bills`);
      const second = await syncLink(rt.deps, link);
      say(`   ${second.status}: ${summary(second)}`);

      say('7. Reconcile');
      const report = await reconcile(rt.deps, link);
      say(`   checked ${report.checked.erpBills} ${erpName} bills (${report.checked.linkedBills} in BILL), ${report.checked.paymentApplications} BILL payments`);
      for (const [currency, t] of Object.entries(report.totals)) say(`   ${currency}: ${erpName} ${t.erpLinked} = BILL ${t.bill}; paid in BILL ${t.paidInBill} = paid in ${erpName} ${t.paidInErp}`);
      for (const d of report.differences.slice(0, 20)) say(`   DIFFERENCE ${d.kind}: ${d.detail}`);
      const erpStats = (erp === 'xero' ? emulators.xero! : emulators.acumatica!).ctx.stats.snapshot();
      const billStats = billEmu.ctx.stats.snapshot();
      say(`   API calls: ${erpName} ${erpStats.totalCalls}, BILL ${billStats.totalCalls}; limit rejections: ${erpName} ${sum(erpStats.rejections)}, BILL ${sum(billStats.rejections)}`);
      say(report.agree ? '\nThe ledgers agree.' : `\n${report.differences.length} difference(s): the ledgers do not agree.`);
      return report.agree ? 0 : 1;
    } finally {
      await rt.close();
    }
  } finally {
    await emulators.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

process.exitCode = await Promise.resolve().then(() => main(erpOf(process.argv.slice(2)))).catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  return 4;
});
