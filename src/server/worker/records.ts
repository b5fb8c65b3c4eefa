import type { RunOptions } from '../../engine/context.ts';
import type { Link } from '../../model/link.ts';
import { runOnLink, type EngineDeps, type RunResult } from '../../engine/sync.ts';
import type { LinkWork } from '../contract.ts';

export type RecordsWork = Extract<LinkWork, { kind: 'records' }>;

/**
 * Webhook follow-up: the pair's triggers say which step an event about (system, entity) re-reads.
 * `ids`: the named records are read again by id and synced through the same steps and duplicate
 * checks as a delta sync. `delta`: the step runs from its saved cursor (a BILL payment event names
 * the payment, and the delta reads its applications in order, the cursor moving only with the
 * posts it covers). An event no trigger names carries no work (BILL is the target of vendors and
 * bills in Xero ⇄ BILL, so its vendor and bill events are counted and left).
 */
export function syncRecords(deps: EngineDeps, link: Link, work: RecordsWork, options: RunOptions = {}): Promise<RunResult> {
  return runOnLink(deps, link, 'records', options, async ({ ctx, steps }) => {
    ctx.count('records.requested', work.ids.length);
    const side = ctx.sides.erp.system === work.system ? 'erp' : ctx.sides.bill.system === work.system ? 'bill' : null;
    const trigger = ctx.pair.triggers.find((t) => t.side === side && t.entity === work.entity);
    const step = trigger ? steps.get(trigger.step) : undefined;
    if (!trigger || !step) {
      ctx.count('records.ignored', work.ids.length);
      return;
    }
    // The charts of accounts are read by a step only when a record may be written.
    await step.settle();
    if (trigger.mode === 'delta') await step.syncChanged();
    else if (trigger.mode === 'validate') await step.validateTargets(work.ids);
    else await step.syncIds(work.ids);
  });
}
