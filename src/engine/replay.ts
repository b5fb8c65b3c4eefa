import { findRecord, listRecords, type RecordRow } from '../store/repos/records.ts';
import { commitPage } from './commit.ts';
import type { RunOptions } from './context.ts';
import { entities, type Link } from './link.ts';
import { runOnLink, type EngineDeps, type RunResult } from './sync.ts';

export type ReplayTarget = { failed: true } | { id: string };

/** Payment records are labelled with their reference "BILL <payment id> <application id>". */
const paymentIdOf = (r: RecordRow): string | null => /^BILL (\S+) \S+$/.exec(r.label ?? '')?.[1] ?? null;

/**
 * Re-runs records after their cause was fixed: every failed record of the link, or one record found
 * by either side's id. Each is re-read from its source and goes through the same mappers and
 * duplicate checks as a sync, so a replay can never create a second target record.
 */
export function replay(deps: EngineDeps, link: Link, target: ReplayTarget, options: RunOptions = {}): Promise<RunResult> {
  return runOnLink(deps, link, 'replay', options, async ({ ctx, accounts, vendors, bills, payments }) => {
    const rows = 'failed' in target
      ? await listRecords(ctx.db, { link: link.name, status: ['failed'], limit: 5000 })
      : (await findRecord(ctx.db, target.id)).filter((r) => r.link === link.name);
    ctx.count('replay.records', rows.length);
    if (rows.length === 0) return;
    await accounts.load();
    await vendors.load();
    await bills.load();
    const of = (entity: string) => rows.filter((r) => r.entity === entity);
    await vendors.syncIds(of(entities.vendor).map((r) => r.source_id));
    await bills.resolveIntents();
    await bills.syncIds(of(entities.bill).map((r) => r.source_id));
    const paymentRows = of(entities.payment);
    if (paymentRows.length > 0) {
      await payments.resolveIntents();
      const wanted = new Set(paymentRows.map((r) => r.source_id));
      const paymentIds = [...new Set(paymentRows.map(paymentIdOf).filter((id): id is string => Boolean(id)))];
      const apps = (await ctx.hub.getPaymentApplications(paymentIds)).filter((a) => wanted.has(a.id));
      await payments.process(apps);
      await commitPage(ctx, 'payments', null);
    }
  });
}
