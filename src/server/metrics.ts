import { processHttpTotals } from '../http/metrics.ts';
import type { Db } from '../store/db.ts';
import { linkWorkJob } from './contract.ts';

/**
 * Prometheus text exposition (format 0.0.4, prometheus.io "Exposition formats"): API calls and
 * rejections per system made by this process, queue depth per state, record outcomes by status,
 * runs by kind and status, connection health, and the link-work runs this process finished.
 */
export class WorkCounters {
  private readonly runs = new Map<string, number>();

  ran(kind: string, status: string): void {
    const key = `${kind}\u0000${status}`;
    this.runs.set(key, (this.runs.get(key) ?? 0) + 1);
  }

  entries(): { kind: string; status: string; n: number }[] {
    return [...this.runs].map(([k, n]) => {
      const [kind = '', status = ''] = k.split('\u0000');
      return { kind, status, n };
    });
  }
}

type Labels = Record<string, string>;
interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: { labels: Labels; value: number }[];
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function renderFamilies(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
      lines.push(`${f.name}${labels ? `{${labels}}` : ''} ${Number.isFinite(s.value) ? s.value : 0}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function collectMetrics(db: Db, counters: WorkCounters): Promise<string> {
  const http = processHttpTotals();
  const [jobs, records, runs, connections] = await Promise.all([
    db.query<{ name: string; state: string; n: number }>(
      'select name, state, count(*)::int as n from pgboss.job where name = any($1::text[]) group by name, state order by name, state',
      [[linkWorkJob.name, linkWorkJob.deadLetter]],
    ),
    db.query<{ link: string; entity: string; status: string; n: number }>('select link, entity, status, count(*)::int as n from records group by link, entity, status order by 1, 2, 3'),
    db.query<{ kind: string; status: string; n: number }>('select kind, status, count(*)::int as n from runs where not dry_run group by kind, status order by 1, 2'),
    db.query<{ system: string; status: string; n: number }>('select system, status, count(*)::int as n from connections group by system, status order by 1, 2'),
  ]);
  return renderFamilies([
    {
      name: 'mlc_http_calls_total', type: 'counter', help: 'HTTP calls to each system made by this process (first tries and retries).',
      samples: Object.entries(http).map(([system, t]) => ({ labels: { system }, value: t.calls })),
    },
    {
      name: 'mlc_http_rejections_total', type: 'counter', help: 'Failed attempts per system and reason (rate_limited, server, network, ...) in this process.',
      samples: Object.entries(http).flatMap(([system, t]) => Object.entries(t.rejections).map(([reason, n]) => ({ labels: { system, reason }, value: n }))),
    },
    {
      name: 'mlc_queue_jobs', type: 'gauge', help: 'Link-work jobs by queue and state (the .dead queue holds dead letters).',
      samples: jobs.rows.map((r) => ({ labels: { queue: r.name, state: r.state }, value: Number(r.n) })),
    },
    {
      name: 'mlc_records', type: 'gauge', help: 'Records by link, entity and current status.',
      samples: records.rows.map((r) => ({ labels: { link: r.link, entity: r.entity, status: r.status }, value: Number(r.n) })),
    },
    {
      name: 'mlc_runs', type: 'gauge', help: 'Runs recorded in the database by kind and status.',
      samples: runs.rows.map((r) => ({ labels: { kind: r.kind, status: r.status }, value: Number(r.n) })),
    },
    {
      name: 'mlc_connections', type: 'gauge', help: 'Connections by system and health status.',
      samples: connections.rows.map((r) => ({ labels: { system: r.system, status: r.status }, value: Number(r.n) })),
    },
    {
      name: 'mlc_link_work_runs_total', type: 'counter', help: 'Link-work jobs this process ran, by kind and run status.',
      samples: counters.entries().map((e) => ({ labels: { kind: e.kind, status: e.status }, value: e.n })),
    },
  ]);
}
