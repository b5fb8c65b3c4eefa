import { formatMoney } from '../../core/money.ts';
import { planPurchase } from '../../flows/bill-to-qbo/map-purchase.ts';
import { nameKey, type Decision } from '../../flows/types.ts';
import { billMatchKey, type BillPayload } from '../../model/payloads.ts';
import type { Bill, BillLine, Department, TargetBillState } from '../../model/types.ts';
import type { Planner, StepDefinition, StepRun } from '../../engine/pair.ts';
import type { IdMapRow } from '../../store/repos/id-map.ts';
import { billQboSettingsOf } from './settings.ts';
import { validatePurchases } from './validate.ts';

/** The dimension a BILL bill line carries its department under (src/systems/bill: the BILL department id). */
export const billDepartmentDimension = 'Department';

/**
 * BILL bills become ledger purchases (PurchaseOrders, or Bills where the link says so). A bill needs
 * its vendor linked first (ensured, created where missing) and every line's account mapped; the
 * ledger's chart is never written. Departments go to the ledger's Departments or Classes by the
 * link's map, else by name.
 */
class PurchasePlanner implements Planner<Bill, BillPayload> {
  private departments: ((line: BillLine) => string | null | { unmapped: string }) | null = null;
  private readonly states = new Map<string, TargetBillState>();

  constructor(private readonly run: StepRun) {}

  async plan(bills: readonly Bill[], mapped: ReadonlyMap<string, IdMapRow>): Promise<Decision<BillPayload>[]> {
    const { accounts, target, ctx } = this.run;
    const settings = billQboSettingsOf(ctx.link);
    const live = bills.filter((b) => (b.status !== 'voided' && b.status !== 'deleted') || mapped.get(b.id)?.state === 'linked');
    if (live.length > 0) await accounts.loadIfNeeded();
    const vendorIds = await this.run.ensure('vendor', live.map((b) => b.vendorId));
    if (live.some((b) => b.lines.some((l) => departmentOf(l) !== null))) await this.loadDepartments();
    const linkedOf = (b: Bill) => {
      const row = mapped.get(b.id);
      return row?.state === 'linked' ? { targetId: row.target_id!, hash: row.content_hash } : null;
    };
    const howToMapAccount = `map it to a QuickBooks Online account on the dashboard's Mapping page or with 'ml-connector mapping suggest --link ${ctx.link.name}' (setting accountMap)`;
    const plan = (b: Bill, current: TargetBillState | null) =>
      planPurchase(b, {
        linked: linkedOf(b),
        target: current,
        vendorTargetId: vendorIds.get(b.vendorId) ?? null,
        accountFor: (l) => accounts.forLine(l),
        accountName: (l) => accounts.sourceLabel(l),
        departmentFor: (l) => this.departments?.(l) ?? null,
        howToMapAccount,
        closable: settings.billsAs === 'purchaseOrder',
      });
    // First pass without the ledger's view; linked bills being edited or archived are planned again with it.
    const decisions = bills.map((b) => plan(b, null));
    const needTarget = bills.filter((b, i) => linkedOf(b) && (decisions[i]!.kind === 'update' || decisions[i]!.kind === 'fail' && (b.status === 'voided' || b.status === 'deleted')));
    if (needTarget.length === 0) return decisions;
    for (const s of await target.billDirectory!.states(needTarget.map((b) => linkedOf(b)!.targetId))) this.states.set(s.id, s);
    return bills.map((b, i) => (needTarget.includes(b) ? plan(b, this.states.get(linkedOf(b)!.targetId) ?? null) : decisions[i]!));
  }

  currentOf(targetId: string): TargetBillState | null {
    return this.states.get(targetId) ?? null;
  }

  /** BILL's departments and the ledger's (Departments or Classes, as the port was opened for the link), read once a run. */
  private async loadDepartments(): Promise<void> {
    if (this.departments) return;
    const { source, target, ctx } = this.run;
    const [billDepartments, ledgerDepartments] = await Promise.all([source.departments!.list(), target.departments!.list()]);
    const { departmentMap, departmentsAs } = billQboSettingsOf(ctx.link);
    this.departments = departmentResolver(billDepartments, ledgerDepartments, departmentMap, `QuickBooks Online ${departmentsAs === 'class' ? 'class' : 'department'}`, ctx.link.name);
  }
}

const departmentOf = (line: BillLine): string | null => line.dimensions.find((d) => d.category === billDepartmentDimension)?.option ?? null;

/**
 * How a line's BILL department (by id, or by name where only the name is known) finds its ledger
 * department or class: the link's map first, then the same name among the active ones. One with
 * neither fails its bill, naming the department and the setting that maps it.
 */
export function departmentResolver(
  billDepartments: readonly Department[],
  ledger: readonly Department[],
  map: Readonly<Record<string, string>>,
  ledgerNoun: string,
  linkName: string,
): (line: BillLine) => string | null | { unmapped: string } {
  const byId = new Map(billDepartments.map((d) => [d.id, d]));
  const byName = new Map(billDepartments.map((d) => [nameKey(d.name), d]));
  const ledgerByName = new Map(ledger.filter((d) => d.active).map((d) => [nameKey(d.name), d.id]));
  return (line) => {
    const option = departmentOf(line);
    if (option === null) return null;
    const department = byId.get(option) ?? byName.get(nameKey(option));
    const mapped = department ? map[department.id] : map[option];
    if (mapped) return mapped;
    const byLedgerName = department ? ledgerByName.get(nameKey(department.name)) : ledgerByName.get(nameKey(option));
    if (byLedgerName) return byLedgerName;
    const name = department?.name ?? option;
    return { unmapped: `is on BILL department '${name}', which matches no ${ledgerNoun} by name: add ${department?.id ?? option} to link '${linkName}''s departmentMap setting` };
  };
}

export const labelOfBillBill = (b: Bill): string => `${b.invoiceNumber || b.id} (${formatMoney(b.total)} ${b.currency})`;

/** The bill step of BILL → QBO: every BILL bill not archived becomes a ledger purchase (PurchaseOrder or Bill). */
export const purchaseStep: StepDefinition<Bill, BillPayload> = {
  entity: 'bill',
  from: 'bill',
  to: 'erp',
  // The QBO port writes `bill` as the link's kind of purchase (PurchaseOrder by default, or Bill).
  targetEntity: 'bill',
  stream: 'bill.bills',
  dependsOn: ['vendor'],
  label: labelOfBillBill,
  matchKey: (p, b) => billMatchKey(p.vendorId, p.invoiceNumber, b.total.minor),
  planner: (run) => new PurchasePlanner(run),
  validate: validatePurchases,
  texts: {
    createReason: (b, dryRun) => (dryRun ? `recorded in BILL: ${formatMoney(b.total)} ${b.currency}` : 'recorded in BILL'),
    updateReason: 'bill changed in BILL',
    created: 'recorded in the ledger',
  },
};
