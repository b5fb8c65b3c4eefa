import { parse } from '../args.ts';
import { exitCodes } from '../output.ts';
import { withRuntime } from '../context.ts';
import { asConnectorError } from '../../core/errors.ts';
import { listConnections, markSuccess } from '../../store/repos/connections.ts';
import { openBillClient, openXeroClient } from '../../app/sides.ts';
import { withReconnectAdvice } from '../../app/reconnect.ts';
import type { Command } from './types.ts';

interface PingResult {
  connection: string;
  system: string;
  ok: boolean;
  found?: Record<string, unknown>;
  error?: { code: string; message: string };
}

export const ping: Command = {
  summary: 'check every connection and show what it can see ("see if we fit")',
  usage: 'Usage: ml-connector ping [--json]\n\nCalls each connected system read-only and reports what it found. Exit 3 when a connection needs to be made again.',
  async run(argv) {
    const { values } = parse(argv, {});
    return withRuntime(values, async (rt, out) => {
      const results: PingResult[] = [];
      for (const c of await listConnections(rt.db)) {
        try {
          if (c.system === 'xero') {
            const { client, tenantId } = await openXeroClient(rt, c.id);
            const t = client.forTenant(tenantId);
            const [org, accounts, tracking] = await Promise.all([t.getOrganisation(), t.listAccounts(), t.listTrackingCategories()]);
            let suppliers = 0;
            for await (const page of t.iterateContacts({ where: 'IsSupplier==true', pageSize: 1000 })) suppliers += page.records.length;
            let bills = 0;
            let approvedUnpaid = 0;
            for await (const page of t.iterateInvoices({ pageSize: 1000 })) {
              bills += page.records.length;
              approvedUnpaid += page.records.filter((i) => i.Status === 'AUTHORISED' && (i.AmountPaid ?? '0') === '0').length;
            }
            results.push({ connection: c.id, system: c.system, ok: true, found: { organisation: org.Name, baseCurrency: org.BaseCurrency, accounts: accounts.length, bankAccounts: accounts.filter((a) => a.Type === 'BANK').length, trackingCategories: tracking.map((x) => x.Name), suppliers, bills, approvedUnpaidBills: approvedUnpaid } });
          } else if (c.system === 'bill') {
            const { client, orgId } = await openBillClient(rt, c.id);
            const o = client.forOrg(orgId);
            const [accounts, departments] = await Promise.all([o.listChartOfAccounts(), o.listDepartments()]);
            let vendors = 0;
            for await (const page of o.iterateVendors()) vendors += page.records.length;
            results.push({ connection: c.id, system: c.system, ok: true, found: { organizationId: orgId, chartOfAccounts: accounts.length, departments: departments.length, vendors } });
          } else {
            results.push({ connection: c.id, system: c.system, ok: false, error: { code: 'MLC_ERR_CONFIG', message: `${c.system} is not supported by this version` } });
            continue;
          }
          await markSuccess(rt.db, c.id);
        } catch (e) {
          const error = asConnectorError(e);
          const message = error.kind === 'needs_reauth' && !error.message.includes('Connect it again with:') ? withReconnectAdvice(error.message, c) : error.message;
          results.push({ connection: c.id, system: c.system, ok: false, error: { code: error.code, message } });
        }
      }
      out.result(results, () => results.length === 0
        ? "no connections yet: run 'ml-connector connect xero' and 'ml-connector connect bill'"
        : results.map((r) => `${r.ok ? 'ok  ' : 'FAIL'} ${r.system} ${r.connection}: ${r.ok ? JSON.stringify(r.found) : `${r.error!.code} ${r.error!.message}`}`).join('\n'));
      if (results.some((r) => r.error?.code === 'MLC_ERR_RECONNECT_NEEDED' || r.error?.code === 'MLC_ERR_BAD_CREDENTIALS')) return exitCodes.reconnect;
      return results.every((r) => r.ok) ? exitCodes.ok : exitCodes.failure;
    });
  },
};
