import { parse } from '../args.ts';
import { exitCodes, table } from '../output.ts';
import { withRuntime } from '../context.ts';
import { listConnections } from '../../store/repos/connections.ts';
import { listLinks } from '../../store/repos/links.ts';
import { listRuns } from '../../store/repos/runs.ts';
import { countByStatus } from '../../store/repos/records.ts';
import { listCursors } from '../../store/repos/cursors.ts';
import type { Command } from './types.ts';

export const status: Command = {
  summary: 'connections, links, cursors, record counts and the last runs',
  usage: 'Usage: ml-connector status [--json]',
  async run(argv) {
    const { values } = parse(argv, {});
    return withRuntime(values, async (rt, out) => {
      const connections = await listConnections(rt.db);
      const links = await listLinks(rt.db);
      const perLink = await Promise.all(links.map(async (l) => ({
        link: l, records: await countByStatus(rt.db, l.name), cursors: await listCursors(rt.db, l.name), runs: await listRuns(rt.db, { link: l.name, limit: 5 }),
      })));
      out.result({ connections, links: perLink }, () => {
        const parts = ['Connections:', connections.length ? table(connections.map((c) => [`  ${c.id}`, c.system, c.label ?? '', c.status, c.status_reason ?? '', c.last_success_at ?? 'never'])) : '  none (ml-connector connect xero|bill)'];
        for (const p of perLink) {
          parts.push(`\nLink '${p.link.name}' (${p.link.erpSystem} ${p.link.erpConnectionId} ⇄ bill ${p.link.billConnectionId})`);
          parts.push(table(Object.entries(p.records).map(([entity, c]) => [`  ${entity}`, `synced ${c.synced}`, `skipped ${c.skipped}`, `pending ${c.pending}`, `failed ${c.failed}`, `conflict ${c.conflict}`])));
          for (const c of p.cursors) parts.push(`  cursor ${c.stream} = ${c.value}`);
          for (const r of p.runs) parts.push(`  run ${r.id} ${r.kind}${r.dry_run ? ' (dry)' : ''} ${r.status} ${r.started_at}${r.error_code ? ` ${r.error_code}` : ''}`);
        }
        return parts.join('\n');
      });
      return connections.some((c) => c.status === 'needs_reconnect') ? exitCodes.reconnect : exitCodes.ok;
    });
  },
};
