import { parse, UsageError } from '../args.ts';
import { runsExitCode } from '../output.ts';
import { withRuntime } from '../context.ts';
import { replay as replayRecords } from '../../engine/replay.ts';
import type { RunResult } from '../../engine/sync.ts';
import { pickLinks } from './pick-link.ts';
import { describe } from './sync.ts';
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
    });
  },
};
