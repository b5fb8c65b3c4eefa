import type { RecordRow } from '../store/repos/records.ts';
import type { RunParts } from './sync.ts';

/**
 * Re-reads these records from their sources and syncs them again (replay, and the retry of failed
 * records in syncLink), step by step in the pair's dependency order. Outstanding creates are
 * settled first (unless the run already did), so nothing is created twice; a record whose create
 * is still in doubt waits as pending. Each record's label goes with its id: a source that cannot
 * read by id alone (a BILL payment application, read through its payment) finds it there.
 */
export async function rerunRecords({ ctx, steps }: RunParts, rows: readonly RecordRow[], options: { intentsSettled?: boolean } = {}): Promise<void> {
  for (const step of steps.values()) {
    // A sync settled its steps' intents when each step began; a replay starts here (every step, so
    // a vendor created in doubt is found before a bill that needs it is replayed).
    if (!options.intentsSettled) await step.settle();
    const mine = rows.filter((r) => r.entity === step.def.entity);
    if (mine.length === 0) continue;
    await step.syncIds(mine.map((r) => r.source_id), new Map(mine.flatMap((r) => (r.label ? [[r.source_id, r.label] as const] : []))));
    // A conflict a step's check raised about its target (a person edited the record there) is
    // checked again, so a replay clears it only once the two sides agree.
    const checked = step.def.validate ? mine.flatMap((r) => (r.status === 'conflict' && r.target_id ? [r.target_id] : [])) : [];
    if (checked.length > 0) await step.validateTargets(checked);
  }
  ctx.throwIfStopped();
}
