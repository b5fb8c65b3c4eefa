import { appendAudit } from '../store/repos/audit.ts';
import { setCursor } from '../store/repos/cursors.ts';
import { saveOutcomes } from '../store/repos/records.ts';
import type { Db } from '../store/db.ts';
import type { RunContext } from './context.ts';

/**
 * Commits one page: the id-map changes in `write`, the queued audit rows and record statuses, and
 * the stream cursor, all in one transaction. The cursor never moves ahead of the writes it covers.
 */
export async function commitPage(
  ctx: RunContext,
  step: string,
  cursor: { stream: string; value: string | null } | null,
  write?: (tx: Db) => Promise<void>,
): Promise<void> {
  const { audit, outcomes } = ctx.drain();
  if (ctx.dryRun) return;
  await ctx.db.transaction(async (tx) => {
    if (write) await write(tx);
    await appendAudit(tx, ctx.link.name, audit);
    await saveOutcomes(tx, ctx.link.name, ctx.runId, outcomes);
    if (cursor?.value) await setCursor(tx, ctx.link.name, cursor.stream, cursor.value);
  });
  await ctx.options.afterCommit?.(step);
  ctx.throwIfStopped();
}
