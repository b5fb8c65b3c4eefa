import { parse, UsageError } from '../args.ts';
import { exitCodes } from '../output.ts';
import { withRuntime } from '../context.ts';
import { auditTrail } from '../../store/repos/audit.ts';
import { findRecord } from '../../store/repos/records.ts';
import type { Command } from './types.ts';

export const audit: Command = {
  summary: "a record's trail across both systems, by either side's id",
  usage: `Usage: ml-connector audit <id> [--link NAME] [--json]

<id> is an ERP id (Xero InvoiceID, ContactID) or a BILL id (bill 00n…, vendor 009…, payment application blp…).`,
  async run(argv) {
    const { values, positionals } = parse(argv, { link: { type: 'string' } }, true);
    const id = positionals[0];
    if (!id || positionals.length > 1) throw new UsageError('give exactly one record id');
    return withRuntime(values, async (rt, out) => {
      const records = (await findRecord(rt.db, id)).filter((r) => !values.link || r.link === values.link);
      const trail = await auditTrail(rt.db, id, values.link);
      out.result({ records, trail }, () => {
        if (records.length === 0 && trail.length === 0) return `no record with id '${id}'`;
        const head = records.map((r) => `${r.entity} ${r.source_id} → ${r.target_id ?? '-'} [${r.status}] ${r.label ?? ''}${r.reason ? ` — ${r.reason}` : ''}`);
        const steps = trail.map((t) => `  ${t.at}  ${t.step.padEnd(9)} ${t.outcome.padEnd(8)} ${t.error_code ?? ''} ${t.message ?? ''}${t.target_id ? ` (target ${t.target_id})` : ''}`);
        return [...head, ...steps].join('\n');
      });
      return records.length === 0 && trail.length === 0 ? exitCodes.attention : exitCodes.ok;
    });
  },
};
