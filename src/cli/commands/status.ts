import { parse } from '../args.ts';
import { exitCodes, table } from '../output.ts';
import { withRuntime } from '../context.ts';
import { listConnections, readSecret } from '../../store/repos/connections.ts';
import { SecretUnreadableError } from '../../app/secret-box.ts';
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
      // A connection whose secret the master key in use cannot open is unusable whatever its row
      // says: it shows as unreadable, with what to do.
      const connections = await Promise.all((await listConnections(rt.db)).map(async (c) => {
        try {
          await readSecret(rt.db, rt.box, c.id);
          return c;
        } catch (e) {
          if (!(e instanceof SecretUnreadableError)) throw e;
          return { ...c, status: 'unreadable' as const, status_reason: e.message };
        }
      }));
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
      if (connections.some((c) => c.status === 'needs_reconnect')) return exitCodes.reconnect;
      // Not 3: connecting again would replace secrets that the right master key can still open.
      if (connections.some((c) => c.status === 'unreadable')) return exitCodes.failure;
      return exitCodes.ok;
    });
  },
};
