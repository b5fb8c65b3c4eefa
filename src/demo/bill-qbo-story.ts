import { formatMoney, parseMoney } from '../core/money.ts';
import type { Runtime } from '../app/runtime.ts';
import type { BillEmulator } from '../emulators/bill/index.ts';
import type { QboEmulator } from '../emulators/qbo/index.ts';
import { syncLink, type RunResult } from '../engine/sync.ts';
import { replay } from '../engine/replay.ts';
import { reconcile } from '../engine/reconcile.ts';
import { connectBillQboSandbox } from '../sandbox/connect-bill-qbo.ts';
import { listLinked } from '../store/repos/id-map.ts';
import { getLink, saveLink } from '../store/repos/links.ts';
import { listRecords } from '../store/repos/records.ts';
import type { BillCredentials } from '../systems/bill/auth.ts';
import { createBillClient } from '../systems/bill/client.ts';
import { BillPort } from '../systems/bill/port.ts';
import { MemoryCredentialStore } from '../systems/memory-credential-store.ts';

type Json = Record<string, any>;

/**
 * How the firm's bookkeeper maps BILL's expense accounts onto QuickBooks' coarser chart (QBO owns
 * it: nothing is created there). "Insurance" is left for later, so its bills fail by name first.
 */
const bookkeeperMap: Readonly<Record<string, string>> = {
  Cleaning: 'Rent or Lease', Entertainment: 'Travel', 'General Expenses': 'Office Supplies', 'Light, Power, Heating': 'Utilities',
  'Motor Vehicle Expenses': 'Travel', 'Office Expenses': 'Office Supplies', 'Printing & Stationery': 'Office Supplies', Rent: 'Rent or Lease',
  'Telephone & Internet': 'Utilities', 'Travel - National': 'Travel',
};
const mappedLater = { bill: 'Insurance', qbo: 'Legal & Professional Fees' };

/**
 * BILL → QuickBooks Online on one screen: a BILL organisation (30 vendors, one of them already in
 * QBO by name; 100 bills, some already paid; departments) and a QBO company with its own chart;
 * connected through Intuit's code flow and BILL's login; first sync with one account not mapped
 * yet, then mapped and replayed; a recurring bill's next bill; payments in BILL, the payments run,
 * reconcile. 0 when it agrees.
 */
export async function billQboStory(rt: Runtime, qbo: QboEmulator, bill: BillEmulator, say: (text: string) => void): Promise<number> {
  const summary = (r: RunResult) => Object.entries(r.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`).join('  ');
  say('1. Seeding the BILL sandbox (30 vendors, 100 bills over 4 departments, some already paid) and the QuickBooks Online sandbox (its own chart, classes, vendors)');
  bill.seed({ seed: 42, vendors: 30, bills: 100, departments: 4 });
  const org = (): Json => (bill.dump() as Json).organizations[0];
  const twin = org().vendors[0].name as string;
  const tokens = await qbo.login();
  const made = await fetch(`${qbo.urls.api}/${qbo.sandbox.realmId}/vendor?minorversion=75`, {
    method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ DisplayName: twin, CompanyName: twin }),
  });
  if (!made.ok) throw new Error(`QBO emulator refused the existing vendor: ${made.status} ${await made.text()}`);
  say(`   QuickBooks already has a vendor named '${twin}'`);

  const realm = qbo.state.realms.get(qbo.sandbox.realmId)!;
  const qboRows = (entity: 'Account' | 'Class') => [...realm.table(entity).values()].map((r) => r.data as Json);
  const qboAccount = (name: string) => qboRows('Account').find((a) => a.Name === name)?.Id as string;
  const billAccounts = org().chartOfAccounts as Json[];
  const accountMap = Object.fromEntries(billAccounts.filter((a) => bookkeeperMap[a.name]).map((a) => [a.id, qboAccount(bookkeeperMap[a.name]!)]));
  const research = qboRows('Class').find((c) => c.Name === 'Research')!.Id as string;
  const departmentMap = Object.fromEntries((org().departments as Json[]).filter((d) => d.name === 'Marketing' || d.name === 'Engineering').map((d) => [d.id, research]));

  say('2. Connecting QuickBooks Online through Intuit\'s code flow (state, realmId on the callback) and BILL through its login');
  let { link } = await connectBillQboSandbox(rt, { qbo, bill }, { linkName: 'demo', settings: { accountMap, departmentMap } });
  say(`   ${Object.keys(accountMap).length} BILL accounts mapped by the bookkeeper, the rest by number or name; '${mappedLater.bill}' not yet; Marketing and Engineering onto the Research class`);

  say('3. Dry run (nothing written):');
  say(`   ${summary(await syncLink(rt.deps, link, { dryRun: true }))}`);
  say('4. First sync: vendors (matched before created), bills as purchase orders, payments BILL already made');
  const first = await syncLink(rt.deps, link);
  say(`   ${first.status}: ${summary(first)}`);
  const failed = await listRecords(rt.db, { link: 'demo', status: ['failed'] });
  if (failed[0]) say(`   ${failed.length} bill(s) failed, e.g. ${failed[0].label}: ${failed[0].error_message}`);

  say(`5. The bookkeeper maps '${mappedLater.bill}' to '${mappedLater.qbo}' and replays the failed bills`);
  const insurance = billAccounts.find((a) => a.name === mappedLater.bill)!;
  await saveLink(rt.db, { ...link, settings: { ...link.settings, accountMap: { ...accountMap, [insurance.id]: qboAccount(mappedLater.qbo) } } });
  link = (await getLink(rt.db, 'demo'))!;
  const replayed = await replay(rt.deps, link, { failed: true });
  say(`   ${replayed.status}: ${summary(replayed)}`);

  say('6. A recurring bill in BILL (monthly rent) makes its next bill, which syncs like any other');
  const billOrg = createBillClient({ credentials: new MemoryCredentialStore<BillCredentials>({ ...bill.sandbox }), urls: { api: bill.urls.api, events: bill.urls.events } }).forOrg(bill.sandbox.organizationId);
  const rent = billAccounts.find((a) => a.name === 'Rent')!;
  const due = new Date(bill.ctx.clock.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const recurring = await billOrg.createRecurringBill({
    vendorId: org().vendors[1].id, description: 'Office rent',
    schedule: { period: 'MONTHLY', frequency: 1, nextDueDate: due, daysInAdvance: 2 },
    recurringBillLineItems: [{ amount: '2450.00', description: 'Rent', classifications: { chartOfAccountId: rent.id } }],
  });
  const shown = (await new BillPort(billOrg).recurringBills.list()).items.find((r) => r.id === recurring.id);
  say(`   ${shown?.vendorName}: ${shown ? formatMoney(shown.amount) : '?'} USD ${shown?.frequencyLabel.toLowerCase()}, next due ${shown?.nextDueDate} (its first bill is made today, ${shown?.daysInAdvance} days ahead)`);
  const withRecurring = await syncLink(rt.deps, link);
  say(`   ${withRecurring.status}: ${summary(withRecurring)}`);

  say('7. Paying bills in BILL: some in full, some in part');
  const linked = await listLinked(rt.db, { link: 'demo', entity: 'bill' });
  let full = 0;
  let partial = 0;
  for (const [i, row] of linked.entries()) {
    const b = (org().bills as Json[]).find((x) => x.id === row.source_id);
    if (!b || i % 3 === 2 || parseMoney(String(b.dueAmount), 'USD').minor === 0n) continue;
    if (i % 3 === 0) {
      bill.pay({ billId: b.id });
      full += 1;
    } else {
      bill.pay({ billId: b.id, amount: formatMoney({ currency: 'USD', minor: parseMoney(String(b.dueAmount), 'USD').minor / 2n }) });
      partial += 1;
    }
  }
  say(`   paid ${full} bills in full and ${partial} in part`);

  say('8. The payments run: each BILL payment as a QuickBooks BillPayment on the Bill its purchase order becomes');
  // What the server's payments schedule (paymentsCron, daily by default) runs: the payment step alone.
  const second = await syncLink(rt.deps, link, { steps: { only: ['payment'] } });
  say(`   ${second.status}: ${summary(second)}`);

  say('9. Reconcile');
  const report = await reconcile(rt.deps, link);
  say(`   checked ${report.checked.billBills} BILL bills (${report.checked.linkedBills} in QuickBooks), ${report.checked.paymentApplications} BILL payments, ${report.checked.linkedVendors} vendors`);
  for (const [currency, t] of Object.entries(report.totals)) say(`   ${currency}: BILL ${t.bill} = QuickBooks ${t.erpLinked}; paid in BILL ${t.paidInBill} = paid in QuickBooks ${t.paidInErp}`);
  for (const d of report.differences.slice(0, 20)) say(`   DIFFERENCE ${d.kind}: ${d.detail}`);
  const q = qbo.ctx.stats.snapshot();
  const b = bill.ctx.stats.snapshot();
  const sum = (o: Record<string, number>) => Object.values(o).reduce((x, y) => x + y, 0);
  say(`   API calls: QuickBooks ${q.totalCalls}, BILL ${b.totalCalls}; limit rejections: QuickBooks ${sum(q.rejections)}, BILL ${sum(b.rejections)}`);
  say(report.agree ? '\nThe ledgers agree.' : `\n${report.differences.length} difference(s): the ledgers do not agree.`);
  return report.agree ? 0 : 1;
}
