import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatMoney, parseMoney } from '../core/money.ts';
import { startEmulators } from '../emulators/index.ts';
import { openRuntime } from '../app/runtime.ts';
import { listLinked } from '../store/repos/id-map.ts';
import { connectSandbox } from '../sandbox/connect.ts';
import { syncLink, type RunResult } from '../engine/sync.ts';
import { reconcile } from '../engine/reconcile.ts';
import { createBillClient } from '../systems/bill/client.ts';
import { MemoryCredentialStore } from '../systems/memory-credential-store.ts';
import type { BillCredentials } from '../systems/bill/auth.ts';

/**
 * The whole product on one screen: starts the emulators in-process, seeds a realistic firm, connects
 * through the real OAuth and login code paths, syncs, pays part of the bills in BILL (some
 * partially), syncs the payments back and reconciles. Exits 0 only when reconciliation agrees.
 */
const say = (text: string) => process.stdout.write(`${text}\n`);
const summary = (r: RunResult) => Object.entries(r.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`).join('  ');

async function main(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mlc-demo-'));
  const emulators = await startEmulators({ only: ['xero', 'bill'], seed: 42 });
  const xeroEmu = emulators.xero!;
  const billEmu = emulators.bill!;
  try {
    say('1. Seeding the Xero sandbox (40 suppliers, 100 bills in mixed states) and the BILL sandbox');
    const seeded = await fetch(`${xeroEmu.urls.base}/_emulator/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seed: 42, suppliers: 40, bills: 100 }) });
    if (!seeded.ok) throw new Error(`Xero emulator seed failed: ${seeded.status} ${await seeded.text()}`);
    billEmu.seed({ seed: 42, vendors: 3, bills: 0 });

    const rt = await openRuntime({ dataDir, masterKey: undefined });
    try {
      say('2. Connecting Xero through the OAuth code flow (PKCE + state) and BILL through its login');
      const { link, billOrgId, paymentAccountCode } = await connectSandbox(rt, emulators, { linkName: 'demo' });
      const billClient = createBillClient({ credentials: new MemoryCredentialStore<BillCredentials>({ ...billEmu.sandbox }), urls: { api: billEmu.urls.api, events: billEmu.urls.events } });
      say(`   BILL organisation ${billOrgId}, payments post to Xero account ${paymentAccountCode}`);

      say('3. Dry run (nothing written):');
      const plan = await syncLink(rt.deps, link, { dryRun: true });
      say(`   ${summary(plan)}`);

      say('4. First sync: accounts, suppliers and approved unpaid bills to BILL');
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

      say('6. Second sync: payments back to Xero against the original bills');
      const second = await syncLink(rt.deps, link);
      say(`   ${second.status}: ${summary(second)}`);

      say('7. Reconcile');
      const report = await reconcile(rt.deps, link);
      say(`   checked ${report.checked.erpBills} Xero bills (${report.checked.linkedBills} in BILL), ${report.checked.paymentApplications} BILL payments`);
      for (const [currency, t] of Object.entries(report.totals)) say(`   ${currency}: Xero ${t.erpLinked} = BILL ${t.bill}; paid in BILL ${t.paidInBill} = paid in Xero ${t.paidInErp}`);
      for (const d of report.differences.slice(0, 20)) say(`   DIFFERENCE ${d.kind}: ${d.detail}`);
      const stats = { xero: xeroEmu.ctx.stats.snapshot(), bill: billEmu.ctx.stats.snapshot() };
      say(`   API calls: Xero ${stats.xero.totalCalls}, BILL ${stats.bill.totalCalls}; limit rejections: Xero ${sum(stats.xero.rejections)}, BILL ${sum(stats.bill.rejections)}`);
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

process.exitCode = await main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  return 4;
});
