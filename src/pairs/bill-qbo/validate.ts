import { asConnectorError } from '../../core/errors.ts';
import { compareMoney, formatMoney } from '../../core/money.ts';
import { nameKey } from '../../flows/types.ts';
import type { StepRun, TargetProblem } from '../../engine/pair.ts';
import type { TargetBillState } from '../../model/types.ts';
import type { IdMapRow } from '../../store/repos/id-map.ts';

/**
 * Checks, after a QBO webhook, the purchases the connector wrote: one deleted in QBO, closed there
 * while BILL still owes it, or whose total a person changed there is a conflict for a person. The
 * connector never re-creates or overwrites it on its own: the ledger is the books of record.
 */
export async function validatePurchases(run: StepRun, links: readonly IdMapRow[]): Promise<TargetProblem[]> {
  const ledger = run.ctx.systemName(run.target.system);
  const source = new Map((await run.source.read.bill!.get(links.map((r) => r.source_id))).items.map((b) => [b.id, b]));
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
    if (!state) {
      problems.push({ sourceId: row.source_id, targetId, reason: `${targetId} was deleted in ${ledger}; it is not re-created: decide with the bookkeeper whether BILL bill ${bill?.invoiceNumber ?? row.source_id} belongs in the books` });
    } else if (state.archived && !archivedInBill && state.paidAmount.minor === 0n && bill.amountPaid.minor === 0n) {
      problems.push({ sourceId: row.source_id, targetId, reason: `${targetId} was closed in ${ledger} while BILL still owes ${formatMoney(bill.amountDue)} ${bill.currency} on ${bill.invoiceNumber}` });
    } else if (bill && !archivedInBill && (state.amount.currency !== bill.currency || compareMoney(state.amount, bill.total) !== 0)) {
      problems.push({ sourceId: row.source_id, targetId, reason: `${targetId} was edited in ${ledger}: its total is ${formatMoney(state.amount)} ${state.amount.currency}, BILL's bill ${bill.invoiceNumber} ${formatMoney(bill.total)} ${bill.currency}` });
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
    if (!theirs || !theirs.active) {
      problems.push({ sourceId: row.source_id, targetId, reason: `vendor ${targetId} was deleted or made inactive in ${ledger}; it is not re-created while BILL vendor ${mine?.name ?? row.source_id} is linked to it` });
    } else if (mine && mine.active && nameKey(mine.name) !== nameKey(theirs.name)) {
      problems.push({ sourceId: row.source_id, targetId, reason: `vendor ${targetId} was renamed in ${ledger} to '${theirs.name}'; BILL calls it '${mine.name}'` });
    }
  }
  return problems;
}
