import { parse, UsageError } from '../args.ts';
import { exitCodes } from '../output.ts';
import { withRuntime } from '../context.ts';
import { paymentsAgainst, trailOf } from '../../app/record-lookup.ts';
import { findRecord } from '../../store/repos/records.ts';
import type { Command } from './types.ts';

export const audit: Command = {
  summary: "a record's trail across both systems, by either side's id",
  usage: `Usage: ml-connector audit <id> [--link NAME] [--json]

<id> is any id or number either side shows: a Xero InvoiceID, ContactID or invoice number
(e.g. GRA-56468), or a BILL bill (00n…), vendor (009…), payment (stp…) or payment application
(blp…) id; a vendor is found by its whole name too. Exit code 1 when nothing has that id.`,
  async run(argv) {
    const { values, positionals } = parse(argv, { link: { type: 'string' } }, true);
    const id = positionals[0];
    if (!id || positionals.length > 1) throw new UsageError('give exactly one record id');
    return withRuntime(values, async (rt, out) => {
      const records = await findRecord(rt.db, id, values.link);
      const trail = await trailOf(rt.db, id, records, values.link);
      const payments = await paymentsAgainst(rt.db, records);
      out.result({ records, trail, payments }, () => {
        if (records.length === 0 && trail.length === 0) return `no record with id '${id}'`;
        const head = records.map((r) => `${r.entity} ${r.source_id} → ${r.target_id ?? '-'} [${r.status}] ${r.label ?? ''}${r.reason ? ` — ${r.reason}` : ''}`);
        const steps = trail.map((t) => `  ${t.at}  ${t.step.padEnd(9)} ${t.outcome.padEnd(8)} ${t.error_code ?? ''} ${t.message ?? ''}${t.target_id ? ` (target ${t.target_id})` : ''}`);
        const paid = payments.length ? ['Payments against this bill:', ...payments.map((p) => `  ${p.label ?? p.sourceId} ${p.amount ?? ''} ${p.currency ?? ''} [${p.status}]${p.targetId ? ` → ${p.targetId}` : ''}`)] : [];
        return [...head, ...steps, ...paid].join('\n');
      });
      return records.length === 0 && trail.length === 0 ? exitCodes.attention : exitCodes.ok;
    });
  },
};
