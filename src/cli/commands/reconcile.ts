import { parse } from '../args.ts';
import { exitCodes, table } from '../output.ts';
import { withRuntime } from '../context.ts';
import { reconcileLink, type ReconcileReport } from '../../engine/reconcile.ts';
import { pickLinks } from './pick-link.ts';
import { ConnectorError } from '../../core/errors.ts';
import { linkNamesVia } from '../server-api.ts';
import type { Command } from './types.ts';

export const reconcile: Command = {
  summary: 'prove the ledgers agree (exit 0) or list the differences (exit 1)',
  usage: `Usage: ml-connector reconcile [--link NAME] [--json]

Reads both systems afresh: every eligible ERP bill must have exactly one BILL bill with the same
amount, voided bills must be archived in BILL, and every settled BILL payment must be applied in
the ERP. Exit code 0 when they agree, 1 with the differences listed otherwise, 4 while a sync of
the link runs in another process (its half-written state would show as differences).`,
  async run(argv) {
    const { values } = parse(argv, { link: { type: 'string' } });
    return withRuntime(values, async (rt, out) => {
      const reports: ReconcileReport[] = [];
      for (const link of await pickLinks(rt.db, values.link)) {
        reports.push(await reconcileLink(rt.deps, link));
      }
      out.result(reports, () => reports.map(human).join('\n\n'));
      return reports.every((r) => r.agree) ? exitCodes.ok : exitCodes.attention;
    }, {
      // Beside a running serve on the embedded database: the server reconciles (GET …/reconcile).
      command: 'reconcile',
      async run(api, out) {
        const reports: ReconcileReport[] = [];
        for (const name of await linkNamesVia(api, values.link)) {
          const answer = await api.call<ReconcileReport | { jobId: string }>('GET', `/links/${encodeURIComponent(name)}/reconcile`);
          if (answer.status === 202) {
            throw new ConnectorError({ code: 'MLC_ERR_TIMEOUT', message: `the server is still reconciling '${name}' behind other work (job ${(answer.body as { jobId: string }).jobId}); its report is at GET ${api.base}/api/jobs/${(answer.body as { jobId: string }).jobId}` });
          }
          reports.push(answer.body as ReconcileReport);
        }
        out.result(reports, () => reports.map(human).join('\n\n'));
        return reports.every((r) => r.agree) ? exitCodes.ok : exitCodes.attention;
      },
    });
  },
};

function human(r: ReconcileReport): string {
  const head = `Link '${r.link}': ${r.agree ? 'the ledgers agree' : `${r.differences.length} difference(s)`}`;
  const checked = `  checked ${r.checked.erpBills} ERP bills (${r.checked.linkedBills} linked), ${r.checked.billBills} BILL bills, ${r.checked.paymentApplications} settled BILL payments, ${r.checked.linkedVendors} suppliers linked to BILL vendors`;
  const totals = table([['  currency', 'ERP due in BILL', 'BILL', 'paid in BILL', 'paid in ERP'], ...Object.entries(r.totals).map(([c, t]) => [`  ${c}`, t.erp, t.bill, t.paidInBill, t.paidInErp])]);
  const diffs = r.differences.slice(0, 200).map((d) => `  ${d.kind}: ${d.detail}`);
  return [head, checked, totals, ...diffs].join('\n');
}
