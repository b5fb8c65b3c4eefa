import type { RunOptions } from '../../engine/context.ts';
import type { Link } from '../../model/link.ts';
import { runOnLink, type EngineDeps, type RunResult } from '../../engine/sync.ts';
import type { LinkWork } from '../contract.ts';

export type RecordsWork = Extract<LinkWork, { kind: 'records' }>;

/**
 * Webhook follow-up: syncs the named records through the same steps and duplicate checks as a
 * delta sync. ERP suppliers and bills are re-read by id from the ERP. A BILL payment event runs
 * the payments delta from its saved cursor instead: a BILL event names the payment, and the delta
 * reads its settled applications in order with the cursor moving only with the posts it covers.
 * BILL is the target for vendors and bills, so BILL-side vendor and bill events carry no work.
 */
export function syncRecords(deps: EngineDeps, link: Link, work: RecordsWork, options: RunOptions = {}): Promise<RunResult> {
  return runOnLink(deps, link, 'records', options, async ({ ctx, vendors, bills, payments }) => {
    ctx.count('records.requested', work.ids.length);
    if (work.system === 'bill') {
      if (work.entity === 'payment') await payments.syncChanged();
      else ctx.count('records.ignored', work.ids.length);
      return;
    }
    if (work.system !== link.erpSystem || work.entity === 'payment') {
      ctx.count('records.ignored', work.ids.length);
      return;
    }
    // The charts of accounts are read by the bill step only when a bill may be written.
    await vendors.load();
    await bills.load();
    if (work.entity === 'vendor') {
      await vendors.syncIds(work.ids);
      return;
    }
    await bills.resolveIntents();
    await bills.syncIds(work.ids);
  });
}
