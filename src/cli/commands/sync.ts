import { parse, UsageError } from '../args.ts';
import { exitCodes, runsExitCode, table } from '../output.ts';
import { withRuntime } from '../context.ts';
import { syncLink, type RunResult } from '../../engine/sync.ts';
import { pickLinks } from './pick-link.ts';
import { ConnectorError, errorCatalogue, type ErrorCode } from '../../core/errors.ts';
import { withReconnectAdvice } from '../../app/reconnect.ts';
import { getConnection } from '../../store/repos/connections.ts';
import type { Db } from '../../store/db.ts';
import type { Link } from '../../model/link.ts';
import { linkNamesVia, waitForJobRun, type JobRun } from '../server-api.ts';
import type { Command } from './types.ts';

export const sync: Command = {
  summary: 'sync suppliers, bills and payments for a link (or all links)',
  usage: `Usage: ml-connector sync [--link NAME] [--dry-run | --queue] [--json] [--data-dir DIR]

Reads what changed since the saved cursors: GL accounts, suppliers and approved unpaid bills go to
BILL; settled BILL payments post back against the original bills. --dry-run prints the plan (what
would be created, updated, skipped and why) and writes nothing anywhere.
Exit code 0 when every record synced or was skipped for a reason, 1 when some failed or conflict,
3 when a connection must be made again, 4 when the run stopped for another reason.
Progress goes to stderr (not with --json); the result goes to stdout. Ctrl-C stops the run after
the page it is on (status interrupted, exit code 4; the next sync resumes there); a second Ctrl-C
quits at once.
--queue hands the sync to the workers of a running 'ml-connector serve' on the same database (its
job id is printed) instead of running it here: "sync now" for a deployment on PostgreSQL.
While a serve holds the embedded database, sync and sync --queue go through its REST API instead
(ML_CONNECTOR_API_TOKEN, and ML_CONNECTOR_SERVER_URL when it is not on http://127.0.0.1:8080);
sync then waits for the server's run and prints it.`,
  async run(argv) {
    const { values } = parse(argv, { link: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, queue: { type: 'boolean', default: false } });
    if (values.queue && values['dry-run']) throw new UsageError('--queue and --dry-run do not go together: a dry run is never queued');
    if (values.queue) return queueSync(values);
    return withRuntime(values, async (rt, out) => {
      const stop = stopOnSignal();
      try {
        const results: RunResult[] = [];
        for (const link of await pickLinks(rt.db, values.link)) {
          if (stop.signal.aborted) break;
          const result = await syncLink(rt.deps, link, {
            dryRun: values['dry-run'],
            signal: stop.signal,
            onProgress: (p) => out.progress(`${link.name}: ${p.step} ${p.done}${p.note ? ` (${p.note})` : ''}`),
          });
          out.endProgress();
          results.push(await withExactReconnect(rt.db, link, result));
        }
        out.result(values['dry-run'] ? results.map((r) => ({ link: r.link, plan: r.plan, counts: r.counts })) : results, () => results.map((r) => describe(r, values['dry-run'])).join('\n\n'));
        return runsExitCode(results);
      } finally {
        stop.release();
      }
    }, values['dry-run'] ? undefined : {
      // Beside a running serve on the embedded database: its workers run the sync; this waits.
      command: 'sync',
      async run(api, out) {
        const results: JobRun[] = [];
        for (const name of await linkNamesVia(api, values.link)) {
          const { jobId } = (await api.call<{ jobId: string | null }>('POST', `/links/${encodeURIComponent(name)}/sync`)).body;
          if (!jobId) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `a sync of '${name}' is already waiting on the server at ${api.base}` });
          out.progress(`${name}: sync running on the server at ${api.base} as job ${jobId}`);
          const run = await waitForJobRun(api, jobId);
          out.endProgress();
          if (!run) throw new ConnectorError({ code: 'MLC_ERR_TIMEOUT', message: `the sync of '${name}' (job ${jobId}) has not finished; follow it with GET ${api.base}/api/jobs/${jobId}` });
          results.push(run);
        }
        out.result(results, () => results.map(describeJobRun).join('\n\n'));
        return runsExitCode(results);
      },
    });
  },
};

export function describeJobRun(r: JobRun): string {
  const lines = [`Run for link '${r.link}' ${r.runId}: ${r.status} (run by the server)`];
  const counts = Object.entries(r.counts).sort(([a], [b]) => a.localeCompare(b));
  if (counts.length) lines.push(table(counts.map(([k, n]) => [`  ${k}`, String(n)])));
  if (r.error) lines.push(`Stopped: ${r.error.code}: ${r.error.message}`);
  return lines.join('\n');
}

/**
 * Ctrl-C (or SIGTERM) asks the run to stop after the page it is on, so everything done so far is
 * committed and the next sync resumes there; a second one quits at once (a kill is safe too, only
 * slower to recover: docs/adr/0003).
 */
function stopOnSignal(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    process.stderr.write(`\n${signal}: stopping after the current page (send it again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export function describe(r: RunResult, dryRun: boolean): string {
  const lines = [`${dryRun ? 'Plan' : 'Run'} for link '${r.link}'${dryRun ? ' (dry run: nothing written)' : ` ${r.runId}: ${r.status}`}`];
  const counts = Object.entries(r.counts).sort(([a], [b]) => a.localeCompare(b));
  if (counts.length) lines.push(table(counts.map(([k, n]) => [`  ${k}`, String(n)])));
  const shown = dryRun ? r.plan.filter((p) => p.action !== 'unchanged') : r.plan;
  if (shown.length) {
    lines.push(dryRun ? 'Planned actions:' : 'Needs attention:');
    lines.push(table(shown.slice(0, 200).map((p) => [`  ${p.action}`, p.entity, p.label, p.reason])));
    if (shown.length > 200) lines.push(`  … and ${shown.length - 200} more (use --json for all)`);
  }
  if (r.error) lines.push(`Stopped: ${r.error.code}: ${r.error.message}`);
  return lines.join('\n');
}

/** Sends one 'manual' sync job per link to the durable queue, for the server's workers to run. */
function queueSync(values: { link?: string | undefined; json?: boolean | undefined; 'data-dir'?: string | undefined }): Promise<number> {
  return withRuntime(values, async (rt, out) => {
    const [{ startQueue }, { linkWorkJob, sendLinkWork }] = await Promise.all([import('../../store/queue.ts'), import('../../server/contract.ts')]);
    const queue = await startQueue(rt.db, { jobs: [linkWorkJob] });
    try {
      const queued: { link: string; jobId: string | null }[] = [];
      for (const link of await pickLinks(rt.db, values.link)) {
        queued.push({ link: link.name, jobId: await sendLinkWork({ db: rt.db, queue }, link, { kind: 'sync', link: link.name, reason: 'manual' }) });
      }
      out.result(queued, () => queued.map((q) => (q.jobId ? `sync of '${q.link}' queued as job ${q.jobId}` : `a sync of '${q.link}' is already waiting`)).join('\n'));
      return exitCodes.ok;
    } finally {
      await queue.stop({ timeoutMs: 1000 });
    }
  }, {
    // serve holds the embedded database: the same job goes through its API.
    command: 'sync --queue',
    async run(api, out) {
      const queued: { link: string; jobId: string | null }[] = [];
      for (const name of await linkNamesVia(api, values.link)) {
        queued.push({ link: name, jobId: (await api.call<{ jobId: string | null }>('POST', `/links/${encodeURIComponent(name)}/sync`)).body.jobId });
      }
      out.result(queued, () => queued.map((q) => (q.jobId ? `sync of '${q.link}' queued as job ${q.jobId} on the server at ${api.base}` : `a sync of '${q.link}' is already waiting`)).join('\n'));
      return exitCodes.ok;
    },
  });
}

/**
 * A run stopped because a connection must be made again carries the vendor error's generic
 * advice; the connection the run marked gets the exact command instead (keeps its tenant).
 */
async function withExactReconnect(db: Db, link: Link, r: RunResult): Promise<RunResult> {
  const code = r.error?.code;
  if (!r.error || !code || !Object.hasOwn(errorCatalogue, code) || errorCatalogue[code as ErrorCode].kind !== 'needs_reauth') return r;
  if (r.error.message.includes('Connect it again with:')) return r;
  for (const id of [link.erpConnectionId, link.billConnectionId]) {
    const row = await getConnection(db, id);
    if (row?.status === 'needs_reconnect') return { ...r, error: { ...r.error, message: withReconnectAdvice(r.error.message, row) } };
  }
  return r;
}
