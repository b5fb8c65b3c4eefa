import { formatMoney, isKnownCurrency, isZero, sumMoney, compareMoney, type Money } from '../../core/money.ts';
import type { Bill, BillLine, TargetBillState } from '../../model/types.ts';
import { contentHash, fail, skip, type Decision } from '../types.ts';
import type { BillPayload } from '../../model/payloads.ts';

/** A BILL bill as ml-connector sends it; the BILL adapter turns it into the wire JSON. */
export type { BillPayload } from '../../model/payloads.ts';

export interface BillContext {
  /** The BILL bill already linked to this ERP bill. */
  linked: { targetId: string; hash: string | null } | null;
  /** BILL's current view of the linked bill, when the engine fetched it (needed for voids and edits). */
  target: TargetBillState | null;
  /** The BILL vendor id of the bill's supplier; null when the vendor failed or is missing. */
  vendorTargetId: string | null;
  /** That vendor's bill currency in BILL (a BILL bill is in its vendor's currency); null if unknown. */
  vendorCurrency: string | null;
  /** BILL chart-of-accounts id for a source line account, null when unmatched. */
  accountFor(line: BillLine): string | null;
  /**
   * BILL department id for a line's dimensions (configured mapping), null when the line has no
   * option of the mapped category, or `{ missing }` naming an option BILL has no department for.
   */
  departmentFor(line: BillLine): string | null | { missing: string } | { unmapped: string };
}

/** BILL requires an invoice number; Xero ACCPAY bills may have none, so one is derived from the source id. */
export function invoiceNumberFor(bill: Bill): string {
  const n = bill.invoiceNumber.trim();
  return n ? n.slice(0, 255) : `ERP-${bill.id.replace(/-/g, '').slice(0, 12).toUpperCase()}`;
}

function targetHasPaymentActivity(t: TargetBillState): boolean {
  return !isZero(t.paidAmount) || !isZero(t.scheduledAmount);
}

/**
 * Whether an ERP document is one that goes to BILL as a new bill: a bill (not a vendor credit or a
 * prepayment, ADR 0006), approved (released), with nothing paid on it yet. The bill step and
 * reconcile ask the same question.
 */
export const isPayableToBill = (bill: Pick<Bill, 'status' | 'amountPaid' | 'kind'>): boolean =>
  bill.status === 'approved' && bill.amountPaid.minor === 0n && (bill.kind ?? 'bill') === 'bill';

/**
 * Decides what happens to one ERP bill on BILL. Only approved and wholly unpaid bills are created;
 * every other state is skipped with its reason. Voids archive an unpaid BILL bill and raise a
 * conflict when BILL has paid or scheduled it, so money already moving is never silently ignored.
 */
export function planBill(bill: Bill, ctx: BillContext): Decision<BillPayload> {
  const linked = ctx.linked;
  // A document that lowers what is owed, or pays ahead of an invoice, is no bill to pay (ADR 0006).
  if (bill.kind === 'vendor-credit') return skip('a debit adjustment lowers what is owed to the vendor; it is not a bill to pay (apply it in the ERP)');
  if (bill.kind === 'prepayment') return skip('a prepayment is paid ahead of an invoice; it is not a bill to pay through BILL');
  if (bill.status === 'voided' || bill.status === 'deleted') {
    if (!linked) return skip(`bill is ${bill.status.toUpperCase()} in the ERP`);
    if (!ctx.target) return fail('MLC_ERR_NOT_FOUND', 'the linked BILL bill could not be read to check it before archiving');
    if (ctx.target.archived) return { kind: 'unchanged', targetId: linked.targetId, reason: 'already archived in BILL' };
    if (targetHasPaymentActivity(ctx.target)) {
      return {
        kind: 'conflict',
        targetId: linked.targetId,
        reason: `bill was ${bill.status} in the ERP but BILL has paid ${formatMoney(ctx.target.paidAmount)} and scheduled ${formatMoney(ctx.target.scheduledAmount)} ${bill.currency} on it`,
      };
    }
    return { kind: 'archive', targetId: linked.targetId, reason: `bill ${bill.status} in the ERP` };
  }
  if (bill.status === 'draft' || bill.status === 'submitted') {
    return linked
      ? { kind: 'unchanged', targetId: linked.targetId, reason: `bill went back to ${bill.status} in the ERP; BILL copy left as is` }
      : skip(`bill is ${bill.status === 'draft' ? 'a draft' : 'awaiting approval'} in the ERP`);
  }
  if (bill.status === 'paid' || !isZero(bill.amountPaid)) {
    // Once payments exist (ours posted back, or made in the ERP) the BILL copy is left alone.
    return linked
      ? { kind: 'unchanged', targetId: linked.targetId, reason: 'payments recorded; amounts are settled through payments' }
      : skip(bill.status === 'paid' ? 'bill is already paid in the ERP' : 'bill is partly paid in the ERP');
  }

  if (!isKnownCurrency(bill.currency)) return fail('MLC_ERR_UNKNOWN_CURRENCY', `currency '${bill.currency}' is not an ISO 4217 code`);
  if (!ctx.vendorTargetId) return fail('MLC_ERR_DEPENDENCY_FAILED', 'the supplier of this bill has not been synced to BILL');
  // BILL has no currency on a bill: it reads the amounts in the vendor's bill currency, so a bill in
  // any other currency would be paid as the wrong amount (BILL v3 vendor `billCurrency`).
  if (ctx.vendorCurrency && ctx.vendorCurrency !== bill.currency) {
    return fail('MLC_ERR_CURRENCY_MISMATCH', `the bill is in ${bill.currency} but its vendor in BILL takes bills in ${ctx.vendorCurrency}`);
  }

  const lines: BillPayload['lines'] = [];
  for (const [i, line] of bill.lines.entries()) {
    if (isZero(line.amount)) continue;
    const account = ctx.accountFor(line);
    if (!account) {
      const label = line.account?.code ?? line.account?.id ?? 'none';
      return fail('MLC_ERR_MISSING_ACCOUNT', `line ${i + 1} uses account '${label}', which has no match in BILL's chart of accounts`);
    }
    const department = ctx.departmentFor(line);
    if (department !== null && typeof department === 'object') {
      return 'unmapped' in department
        ? fail('MLC_ERR_MISSING_DEPARTMENT', `line ${i + 1} ${department.unmapped}`)
        : fail('MLC_ERR_MISSING_DEPARTMENT', `line ${i + 1} is tracked to '${department.missing}', which has no department of that name in BILL`);
    }
    lines.push({
      amount: line.amount,
      description: line.description.slice(0, 4000),
      chartOfAccountId: account,
      departmentId: department,
    });
  }
  if (lines.length === 0) return fail('MLC_ERR_VALIDATION', 'the bill has no line with an amount');
  const lineSum = sumMoney(bill.currency, lines.map((l) => l.amount));
  if (compareMoney(lineSum, bill.total) !== 0) {
    return fail('MLC_ERR_VALIDATION', `lines add up to ${formatMoney(lineSum)} but the bill total is ${formatMoney(bill.total)} ${bill.currency}`);
  }

  const payload: BillPayload = {
    vendorId: ctx.vendorTargetId,
    invoiceNumber: invoiceNumberFor(bill),
    invoiceDate: bill.invoiceDate,
    dueDate: bill.dueDate,
    currency: bill.currency,
    description: `Synced from the ERP bill ${bill.id}`,
    lines,
  };
  const hash = contentHash(payload);
  if (!linked) return { kind: 'create', payload, hash };
  if (linked.hash === hash) return { kind: 'unchanged', targetId: linked.targetId, reason: 'no change' };
  if (ctx.target && targetHasPaymentActivity(ctx.target)) {
    return { kind: 'conflict', targetId: linked.targetId, reason: 'bill changed in the ERP after BILL paid or scheduled it' };
  }
  return { kind: 'update', targetId: linked.targetId, payload, hash };
}
