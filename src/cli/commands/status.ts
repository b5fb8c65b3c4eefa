import { parse } from '../args.ts';
import { exitCodes, table } from '../output.ts';
import { withRuntime } from '../context.ts';
import { listConnections, readSecret } from '../../store/repos/connections.ts';
import { SecretUnreadableError } from '../../app/secret-box.ts';
import { listLinks } from '../../store/repos/links.ts';
import { listRuns } from '../../store/repos/runs.ts';
import { countByStatus } from '../../store/repos/records.ts';
import { listCursors } from '../../store/repos/cursors.ts';
import type { Db } from '../../store/db.ts';
import type { Output } from '../output.ts';
import type { ServerApi } from '../server-api.ts';
import { registeredEntries } from '../../app/systems/index.ts';
import { hubSystemId } from '../../systems/registry.ts';
import type { Command } from './types.ts';
import { currentWorkEtas, runningWork, workEtas, type WorkEta } from '../../server/work-etas.ts';

export const status: Command = {
  summary: 'connections, links, cursors, record counts and the last runs',
  usage: `Usage: ml-connector status [--json]

Shows what is stored here, without calling ${registeredEntries().map((e) => e.spec.displayName).join(' or ')} ('ml-connector ping' does that): each
connection with its state (ok, needs_reconnect, disabled, or unreadable when the master key in use
cannot open its secret) and last success; each link with its record counts per entity (synced,
skipped, pending, failed, conflict), its cursors, its last five runs, and the work running or
queued on it with when it is expected to be done. Records that need
attention are listed with their reason ('ml-connector audit <id>' shows one's trail; 'replay' and
'skip' act on them).
Exit code 0 when all is well, 1 when records failed or conflict, 3 when a connection must be made
again, 4 when a connection's secret cannot be opened.`,
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
      const work = await workHere(rt.db);
      const perLink = await Promise.all(links.map(async (l) => ({
        link: l, records: await countByStatus(rt.db, l.name), cursors: await listCursors(rt.db, l.name), runs: await listRuns(rt.db, { link: l.name, limit: 5 }),
        work: work.filter((w) => w.link === l.name),
        ...(await needingAttention(rt.db, l.name)),
      })));
      out.result({ connections, links: perLink }, () => {
        // Reasons can be long (a vendor's message, the reconnect command): they go on their own
        // wrapped lines under the row, so the table stays as wide as its short columns.
        const parts = ['Connections:'];
        if (connections.length === 0) parts.push(`  none (ml-connector connect ${registeredEntries().map((e) => e.id).join('|')})`);
        const rows = table(connections.map((c) => [`  ${c.id}`, c.system, c.label ?? '', c.status, `last success ${c.last_success_at ?? 'never'}`])).split('\n');
        connections.forEach((c, i) => {
          parts.push(rows[i]!);
          if (c.status_reason) parts.push(...wrap(c.status_reason, 96).map((l) => `      ${l}`));
        });
        for (const p of perLink) {
          parts.push(`\nLink '${p.link.name}' (${p.link.erpSystem} ${p.link.erpConnectionId} ⇄ ${hubSystemId} ${p.link.billConnectionId})`);
          parts.push(table(Object.entries(p.records).map(([entity, c]) => [`  ${entity}`, `synced ${c.synced}`, `skipped ${c.skipped}`, `pending ${c.pending}`, `failed ${c.failed}`, `conflict ${c.conflict}`])));
          for (const c of p.cursors) parts.push(`  cursor ${c.stream} = ${c.value}`);
          for (const a of p.attention) {
            parts.push(`  ${a.status} ${a.entity} ${a.label ?? a.source_id}${a.error_code ? ` ${a.error_code}` : ''}`);
            if (a.reason) parts.push(...wrap(a.reason, 96).map((l) => `      ${l}`));
          }
          if (p.attentionMore > 0) parts.push(`  … and ${p.attentionMore} more (use --json or the dashboard)`);
          for (const r of p.runs) parts.push(`  run ${r.id} ${r.kind}${r.dry_run ? ' (dry)' : ''} ${r.status} ${r.started_at}${r.error_code ? ` ${r.error_code}` : ''}`);
          parts.push(...workLines(p.work));
        }
        return parts.join('\n');
      });
      if (connections.some((c) => c.status === 'needs_reconnect')) return exitCodes.reconnect;
      // Not 3: connecting again would replace secrets that the right master key can still open.
      if (connections.some((c) => c.status === 'unreadable')) return exitCodes.failure;
      // As for sync and replay: failed or conflicting records need a person.
      if (perLink.some((p) => Object.values(p.records).some((c) => c.failed > 0 || c.conflict > 0))) return exitCodes.attention;
      return exitCodes.ok;
    }, { command: 'status', run: statusViaServer });
  },
};

const shown = 20;

/**
 * Running and queued work with its ETA. Where no server has made the queue's tables yet, status
 * does not make them: only the running runs are estimated.
 */
async function workHere(db: Db): Promise<WorkEta[]> {
  const { rows } = await db.query<{ present: boolean }>("select to_regclass('pgboss.job') is not null as present");
  if (!rows[0]?.present) return workEtas(db, await runningWork(db), []);
  const [{ startQueue }, { linkWorkJob }] = await Promise.all([import('../../store/queue.ts'), import('../../server/contract.ts')]);
  const queue = await startQueue(db, { jobs: [linkWorkJob] });
  try {
    return await currentWorkEtas(db, queue);
  } finally {
    await queue.stop({ timeoutMs: 1000 });
  }
}

/** One line per piece of running or queued work: what it is and when it is expected to be done. */
function workLines(work: readonly Pick<WorkEta, 'state' | 'runId' | 'jobId' | 'text'>[]): string[] {
  return work.map((w) => (w.state === 'running' ? `  running (run ${w.runId}): ${w.text}` : `  queued (job ${w.jobId}): ${w.text}`));
}

/** The first failed or conflicting records of a link, for the human view. */
async function needingAttention(db: Db, link: string): Promise<{ attention: { entity: string; source_id: string; label: string | null; status: string; reason: string | null; error_code: string | null }[]; attentionMore: number }> {
  const { rows } = await db.query<{ entity: string; source_id: string; label: string | null; status: string; reason: string | null; error_code: string | null; total: number }>(
    `select entity, source_id, label, status, coalesce(error_message, reason) as reason, error_code, (count(*) over ())::int as total
     from records where link = $1 and status in ('failed', 'conflict') order by updated_at desc, entity, source_id limit ${shown}`,
    [link],
  );
  const total = rows[0]?.total ?? 0;
  return { attention: rows.map(({ total: _t, ...r }) => r), attentionMore: Math.max(0, total - rows.length) };
}

/** Words into lines of at most `width` characters (a longer word has a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

interface ApiConnection { id: string; system: string; label: string | null; status: string; reason: string | null; lastSuccessAt: string | null }
interface ApiRecord { entity: string; sourceId: string; label: string | null; status: string; reason: string | null; errorCode: string | null; errorMessage: string | null }
interface ApiRun { id: string; kind: string; dryRun: boolean; status: string; startedAt: string; error: { code: string } | null }

/** status beside a running serve on the embedded database: the same view from its REST API. */
async function statusViaServer(api: ServerApi, out: Output): Promise<number> {
  const connections = (await api.call<{ items: ApiConnection[] }>('GET', '/connections')).body.items;
  const links = (await api.call<{ items: { name: string; erpSystem: string; erpConnectionId: string; billConnectionId: string }[] }>('GET', '/links')).body.items;
  const work = (await api.call<{ items: WorkEta[] }>('GET', '/work')).body.items;
  const perLink = await Promise.all(links.map(async (l) => {
    const q = (status: string) => api.call<{ items: ApiRecord[]; nextOffset: number | null }>('GET', `/records?link=${encodeURIComponent(l.name)}&status=${status}&limit=${shown}`).then((r) => r.body);
    const [failed, conflict] = await Promise.all([q('failed'), q('conflict')]);
    const runs = (await api.call<{ items: ApiRun[] }>('GET', `/runs?link=${encodeURIComponent(l.name)}&limit=5`)).body.items;
    return { link: l, attention: [...failed.items, ...conflict.items], more: failed.nextOffset !== null || conflict.nextOffset !== null, runs, work: work.filter((w) => w.link === l.name) };
  }));
  out.result({ server: api.base, connections, links: perLink }, () => {
    const parts = [`(from the server at ${api.base}: the data directory is in use by it)`, 'Connections:'];
    if (connections.length === 0) parts.push(`  none (ml-connector connect ${registeredEntries().map((e) => e.id).join('|')})`);
    const rows = table(connections.map((c) => [`  ${c.id}`, c.system, c.label ?? '', c.status, `last success ${c.lastSuccessAt ?? 'never'}`])).split('\n');
    connections.forEach((c, i) => {
      parts.push(rows[i]!);
      if (c.reason) parts.push(...wrap(c.reason, 96).map((l) => `      ${l}`));
    });
    for (const p of perLink) {
      parts.push(`\nLink '${p.link.name}' (${p.link.erpSystem} ${p.link.erpConnectionId} ⇄ ${hubSystemId} ${p.link.billConnectionId})`);
      for (const a of p.attention) {
        parts.push(`  ${a.status} ${a.entity} ${a.label ?? a.sourceId}${a.errorCode ? ` ${a.errorCode}` : ''}`);
        const why = a.errorMessage ?? a.reason;
        if (why) parts.push(...wrap(why, 96).map((l) => `      ${l}`));
      }
      if (p.more) parts.push('  … and more (use the dashboard)');
      for (const r of p.runs) parts.push(`  run ${r.id} ${r.kind}${r.dryRun ? ' (dry)' : ''} ${r.status} ${r.startedAt}${r.error ? ` ${r.error.code}` : ''}`);
      parts.push(...workLines(p.work));
    }
    return parts.join('\n');
  });
  if (connections.some((c) => c.status === 'needs_reconnect')) return exitCodes.reconnect;
  return perLink.some((p) => p.attention.length > 0) ? exitCodes.attention : exitCodes.ok;
}
