import { listRecords, findRecord } from '../store/repos/records.ts';
import type { RunOptions } from './context.ts';
import type { Link } from '../model/link.ts';
import { rerunRecords } from './rerun.ts';
import { runOnLink, type EngineDeps, type RunResult } from './sync.ts';

export type ReplayTarget = { failed: true } | { id: string };

/**
 * Re-runs records after their cause was fixed: every failed record of the link, or one record found
 * by either side's id. Each is re-read from its source and goes through the same mappers and
 * duplicate checks as a sync, so a replay can never create a second target record.
 */
export function replay(deps: EngineDeps, link: Link, target: ReplayTarget, options: RunOptions = {}): Promise<RunResult> {
  return runOnLink(deps, link, 'replay', options, async (parts) => {
    const { ctx, accounts } = parts;
    const rows = 'failed' in target
      ? await listRecords(ctx.db, { link: link.name, status: ['failed'], limit: 5000 })
      : await findRecord(ctx.db, target.id, link.name);
    ctx.count('replay.records', rows.length);
    if (rows.length === 0) return;
    await accounts.load();
    await rerunRecords(parts, rows);
  });
}
