import { parse, UsageError } from '../args.ts';
import { exitCodes } from '../output.ts';
import { withRuntime } from '../context.ts';
import { findRecord, skipRecord } from '../../store/repos/records.ts';
import type { Command } from './types.ts';

export const skip: Command = {
  summary: 'mark a failed or conflicting record as skipped by a person (audited)',
  usage: `Usage: ml-connector skip <id> [--note TEXT] [--link NAME] [--json]

<id> is any id or number of the record, as for 'ml-connector audit'. The record stops counting as
needing attention; its audit trail says a person skipped it, with the note. A later sync or a
replay takes it up again when its source changes. Only failed or conflicting records can be
skipped: exit code 1 otherwise, or when no record has that id.`,
  async run(argv) {
    const { values, positionals } = parse(argv, { link: { type: 'string' }, note: { type: 'string' } }, true);
    const id = positionals[0];
    if (!id || positionals.length > 1) throw new UsageError('give exactly one record id');
    return withRuntime(values, async (rt, out) => {
      const records = await findRecord(rt.db, id, values.link);
      if (records.length === 0) {
        out.result({ skipped: [], reason: 'not_found' }, () => `no record with id '${id}'${values.link ? ` on link '${values.link}'` : ''}`);
        return exitCodes.attention;
      }
      if (records.length > 1 && new Set(records.map((r) => `${r.link}/${r.entity}/${r.source_id}`)).size > 1) {
        const open = records.filter((r) => r.status === 'failed' || r.status === 'conflict');
        if (open.length !== 1) throw new UsageError(`'${id}' names ${records.length} records (${records.map((r) => `${r.entity} ${r.source_id} on '${r.link}' [${r.status}]`).join(', ')}); give its source id or --link`);
        records.splice(0, records.length, open[0]!);
      }
      const r = records[0]!;
      const note = `skipped by a person${values.note ? `: ${values.note}` : ''}`;
      const done = await skipRecord(rt.db, { link: r.link, entity: r.entity, sourceId: r.source_id }, note);
      out.result({ skipped: done ? [{ link: r.link, entity: r.entity, sourceId: r.source_id }] : [], status: done ? 'skipped' : r.status },
        () => done
          ? `${r.entity} ${r.label ?? r.source_id} on link '${r.link}' skipped (${note})`
          : `${r.entity} ${r.label ?? r.source_id} is ${r.status}; only failed or conflicting records can be skipped`);
      return done ? exitCodes.ok : exitCodes.attention;
    });
  },
};
