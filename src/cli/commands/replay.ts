import { parse, UsageError } from '../args.ts';
import { runsExitCode } from '../output.ts';
import { withRuntime } from '../context.ts';
import { replay as replayRecords } from '../../engine/replay.ts';
import type { RunResult } from '../../engine/sync.ts';
import { pickLinks } from './pick-link.ts';
import { describe, describeJobRun } from './sync.ts';
import { ConnectorError } from '../../core/errors.ts';
import { linkNamesVia, waitForJobRun, type JobRun } from '../server-api.ts';
import type { Command } from './types.ts';

export const replay: Command = {
  summary: 're-run failed records (or one record) after the cause is fixed',
  usage: `Usage: ml-connector replay (--failed | <id>) [--link NAME] [--json]

Each record is re-read from its source and goes through the same checks as a sync, so replay can
never create a second target record.`,
  async run(argv) {
    const { values, positionals } = parse(argv, { link: { type: 'string' }, failed: { type: 'boolean', default: false } }, true);
    if (values.failed === (positionals.length > 0)) throw new UsageError('give either --failed or one record id');
    return withRuntime(values, async (rt, out) => {
      const results: RunResult[] = [];
      for (const link of await pickLinks(rt.db, values.link)) {
        results.push(await replayRecords(rt.deps, link, values.failed ? { failed: true } : { id: positionals[0]! }));
      }
      out.result(results, () => results.map((r) => describe(r, false)).join('\n\n'));
      return runsExitCode(results);
    }, {
      // Beside a running serve on the embedded database: its workers replay; this waits.
      command: 'replay',
      async run(api, out) {
        const runs: JobRun[] = [];
        for (const name of await linkNamesVia(api, values.link)) {
          const { jobId } = (await api.call<{ jobId: string | null }>('POST', `/links/${encodeURIComponent(name)}/replay`, values.failed ? { failed: true } : { id: positionals[0]! })).body;
          if (!jobId) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `a replay of '${name}' is already waiting on the server at ${api.base}` });
          const run = await waitForJobRun(api, jobId);
          if (!run) throw new ConnectorError({ code: 'MLC_ERR_TIMEOUT', message: `the replay of '${name}' (job ${jobId}) has not finished; follow it with GET ${api.base}/api/jobs/${jobId}` });
          runs.push(run);
        }
        out.result(runs, () => runs.map(describeJobRun).join('\n\n'));
        return runsExitCode(runs);
      },
    });
  },
};
