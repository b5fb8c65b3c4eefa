import { compareMoney, formatMoney, isKnownCurrency, isZero, sumMoney } from '../../core/money.ts';
import type { BillPayload } from '../../model/payloads.ts';
import type { Bill, BillLine, TargetBillState } from '../../model/types.ts';
import { contentHash, fail, skip, type Decision } from '../types.ts';

export interface PurchaseContext {
  /** The ledger purchase (PurchaseOrder or Bill) already linked to this BILL bill. */
  linked: { targetId: string; hash: string | null } | null;
  /** The ledger's current view of it, when the engine read one (edits and archives need it). */
  target: TargetBillState | null;
  /** The ledger vendor the bill's BILL vendor is linked to; null when that vendor failed. */
  vendorTargetId: string | null;
  /** The ledger account a BILL line's account maps to, null when it maps to none. */
  accountFor(line: BillLine): string | null;
  /** The ledger department or class of a line, null for none, or why it has none (`unmapped`: the rest of a sentence after "line N"). */
  departmentFor(line: BillLine): string | null | { unmapped: string };
  /** How people know a line's BILL account, when the chart names it. */
  accountName?(line: BillLine): string | null;
  /** How a person maps an account this link does not map yet (a command or a page), for the failure text. */
  howToMapAccount: string;
  /** Whether an archived BILL bill can be closed in the ledger (a PurchaseOrder can; a posted Bill is left to a person). */
  closable: boolean;
}

/** What money the ledger already holds against the purchase: a bill paid in part or in full there is no longer ours to rewrite. */
const ledgerHasPayments = (t: TargetBillState): boolean => !isZero(t.paidAmount);

/**
 * Decides what one BILL bill becomes in the ledger (BILL → QBO). Every bill BILL holds and has not
 * archived is recorded, whatever its approval or payment state, so that the payments BILL makes
 * can be recorded against it; an archived bill closes its purchase order, or is a conflict for a
 * person when the ledger already paid it or holds it as a posted Bill. A line whose account maps
 * to no ledger account fails the bill, naming the account and how to map it: QBO owns its chart,
 * so nothing is created there.
 */
export function planPurchase(bill: Bill, ctx: PurchaseContext): Decision<BillPayload> {
  const { linked } = ctx;
  if (bill.status === 'voided' || bill.status === 'deleted') {
    if (!linked) return skip('bill is archived in BILL');
    if (!ctx.target) return fail('MLC_ERR_NOT_FOUND', 'the linked ledger record could not be read to check it before closing');
    if (ctx.target.archived) return { kind: 'unchanged', targetId: linked.targetId, reason: 'already closed in the ledger' };
    if (ledgerHasPayments(ctx.target)) {
      return { kind: 'conflict', targetId: linked.targetId, reason: `bill was archived in BILL but the ledger has ${formatMoney(ctx.target.paidAmount)} ${bill.currency} paid on it` };
    }
    if (!ctx.closable) return { kind: 'conflict', targetId: linked.targetId, reason: 'bill was archived in BILL; its ledger Bill stays until a person voids or deletes it there' };
    return { kind: 'archive', targetId: linked.targetId, reason: 'bill archived in BILL' };
  }
  if (!isKnownCurrency(bill.currency)) return fail('MLC_ERR_UNKNOWN_CURRENCY', `currency '${bill.currency}' is not an ISO 4217 code`);
  if (!ctx.vendorTargetId) return fail('MLC_ERR_DEPENDENCY_FAILED', 'the vendor of this bill has not been synced to the ledger');

  const lines: BillPayload['lines'] = [];
  for (const [i, line] of bill.lines.entries()) {
    if (isZero(line.amount)) continue;
    const account = ctx.accountFor(line);
    if (!account) {
      const id = line.account?.code ?? line.account?.id ?? 'none';
      const name = ctx.accountName?.(line);
      return fail('MLC_ERR_MISSING_ACCOUNT', `line ${i + 1} is on BILL account '${name ? `${name}' (${id})` : `${id}'`}, which maps to no account of the ledger's chart: ${ctx.howToMapAccount}`);
    }
    const department = ctx.departmentFor(line);
    if (department !== null && typeof department === 'object') return fail('MLC_ERR_MISSING_DEPARTMENT', `line ${i + 1} ${department.unmapped}`);
    lines.push({ amount: line.amount, description: line.description.slice(0, 4000), chartOfAccountId: account, departmentId: department });
  }
  if (lines.length === 0) return fail('MLC_ERR_VALIDATION', 'the bill has no line with an amount');
  const lineSum = sumMoney(bill.currency, lines.map((l) => l.amount));
  if (compareMoney(lineSum, bill.total) !== 0) {
    return fail('MLC_ERR_VALIDATION', `lines add up to ${formatMoney(lineSum)} but the bill total is ${formatMoney(bill.total)} ${bill.currency}`);
  }
  const invoiceNumber = bill.invoiceNumber.trim() || `BILL-${bill.id}`;
  const payload: BillPayload = {
    vendorId: ctx.vendorTargetId,
    invoiceNumber,
    invoiceDate: bill.invoiceDate,
    dueDate: bill.dueDate,
    currency: bill.currency,
    description: `From BILL bill ${bill.id}`,
    lines,
  };
  const hash = contentHash(payload);
  if (!linked) return { kind: 'create', payload, hash };
  if (linked.hash === hash) return { kind: 'unchanged', targetId: linked.targetId, reason: 'no change' };
  if (ctx.target && (ctx.target.archived || ledgerHasPayments(ctx.target))) {
    return { kind: 'conflict', targetId: linked.targetId, reason: `bill changed in BILL after the ledger ${ctx.target.archived ? 'closed' : 'paid'} it` };
  }
  return { kind: 'update', targetId: linked.targetId, payload, hash };
}
