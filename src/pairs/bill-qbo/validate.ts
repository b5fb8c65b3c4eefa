import { asConnectorError } from '../../core/errors.ts';
import { compareMoney } from '../../core/money.ts';
import { nameKey } from '../../flows/types.ts';
import type { StepRun, TargetProblem } from '../../engine/pair.ts';
import type { TargetBillState } from '../../model/types.ts';
import type { IdMapRow } from '../../store/repos/id-map.ts';
import { recordLabels } from '../../store/repos/records.ts';
import { purchaseClosed, purchaseDeleted, purchaseNouns, purchaseTotalEdited, vendorGone, vendorRenamed, type PurchaseNamed } from './conflict-texts.ts';

/**
 * Checks, after a QBO webhook or when the poll finds them changed in QBO (engine/validate-changes.ts,
 * systems/qbo/changes.ts), the purchases the connector wrote: one deleted in QBO, closed there
 * while BILL still owes it, or whose total a person changed there is a conflict for a person. The
 * connector never re-creates or overwrites it on its own: the ledger is the books of record.
 */
export async function validatePurchases(run: StepRun, links: readonly IdMapRow[]): Promise<TargetProblem[]> {
  const ledger = run.ctx.systemName(run.target.system);
  const source = new Map((await run.source.read.bill!.get(links.map((r) => r.source_id))).items.map((b) => [b.id, b]));
  // Vendors are named as the vendor step last recorded them (their records' labels), without asking BILL again.
  const vendorNames = await recordLabels(run.ctx.db, run.ctx.link.name, 'vendor', [...new Set([...source.values()].map((b) => b.vendorId))]);
  const nouns = purchaseNouns(run.ctx.link);
  const problems: TargetProblem[] = [];
  for (const row of links) {
    const targetId = row.target_id!;
    const bill = source.get(row.source_id);
    let state: TargetBillState | undefined;
    try {
      [state] = await run.target.billDirectory!.states([targetId]);
    } catch (e) {
      if (asConnectorError(e).code !== 'MLC_ERR_NOT_FOUND') throw e;
    }
    const archivedInBill = !bill || bill.status === 'voided' || bill.status === 'deleted';
    const named: PurchaseNamed = {
      invoice: bill?.invoiceNumber || row.source_id,
      vendor: (bill && (vendorNames.get(bill.vendorId) ?? bill.vendorId)) || 'a BILL vendor',
      ledger, nouns, targetId, number: state?.number ?? null,
    };
    if (!state) {
      problems.push({ sourceId: row.source_id, targetId, reason: purchaseDeleted(named) });
    } else if (state.archived && !archivedInBill && state.paidAmount.minor === 0n && bill.amountPaid.minor === 0n) {
      problems.push({ sourceId: row.source_id, targetId, reason: purchaseClosed(named, bill.amountDue) });
    } else if (bill && !archivedInBill && (state.amount.currency !== bill.currency || compareMoney(state.amount, bill.total) !== 0)) {
      problems.push({ sourceId: row.source_id, targetId, reason: purchaseTotalEdited(named, state.amount, bill.total) });
    }
  }
  return problems;
}

/** The same for vendors: one deleted or made inactive in QBO, or renamed there, is a conflict. */
export async function validateVendors(run: StepRun, links: readonly IdMapRow[]): Promise<TargetProblem[]> {
  const ledger = run.ctx.systemName(run.target.system);
  const [source, target] = await Promise.all([run.source.read.vendor!.get(links.map((r) => r.source_id)), run.target.read.vendor!.get(links.map((r) => r.target_id!))]);
  const billVendors = new Map(source.items.map((v) => [v.id, v]));
  const ledgerVendors = new Map(target.items.map((v) => [v.id, v]));
  const problems: TargetProblem[] = [];
  for (const row of links) {
    const targetId = row.target_id!;
    const mine = billVendors.get(row.source_id);
    const theirs = ledgerVendors.get(targetId);
    const named = { vendor: mine?.name ?? row.source_id, ledger, targetId };
    if (!theirs || !theirs.active) {
      problems.push({ sourceId: row.source_id, targetId, reason: vendorGone(named) });
    } else if (mine && mine.active && nameKey(mine.name) !== nameKey(theirs.name)) {
      problems.push({ sourceId: row.source_id, targetId, reason: vendorRenamed(named, theirs.name) });
    }
  }
  return problems;
}
