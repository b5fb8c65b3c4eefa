import type { RecordRow } from '../store/repos/records.ts';
import { entities } from './link.ts';
import type { RunParts } from './sync.ts';

/**
 * Re-reads these records from their sources and syncs them again (replay, and the retry of failed
 * records in syncLink). Outstanding creates are settled first (unless the run already did), so
 * nothing is created twice; a record whose create is still in doubt waits as pending.
 * Payment records are labelled with their reference "BILL <payment id> <application id>".
 */
export async function rerunRecords(
  { ctx, vendors, bills, payments }: RunParts,
  rows: readonly RecordRow[],
  options: { intentsSettled?: boolean } = {},
): Promise<void> {
  const of = (entity: string) => rows.filter((r) => r.entity === entity);
  // A sync settled its steps' intents when each step began; a replay starts here.
  const settle = !options.intentsSettled;
  await vendors.syncIds(of(entities.vendor).map((r) => r.source_id));
  if (settle) await bills.resolveIntents();
  await bills.syncIds(of(entities.bill).map((r) => r.source_id));
  const paymentRows = of(entities.payment);
  if (paymentRows.length > 0) {
    if (settle) await payments.resolveIntents();
    await payments.reread(paymentRows.map((r) => ({ applicationId: r.source_id, reference: r.label })));
  }
  ctx.throwIfStopped();
}
