import { formatMoney } from '../../core/money.ts';
import { invoiceNumberFor, planBill } from '../../flows/xero-to-bill/map-bill.ts';
import { nameKey, type Decision } from '../../flows/types.ts';
import { billMatchKey, type BillPayload } from '../../model/payloads.ts';
import type { Bill, BillLine, TargetBillState } from '../../model/types.ts';
import type { Planner, StepDefinition, StepRun } from '../../engine/pair.ts';
import { isPlannedId } from '../../engine/step-runner.ts';
import type { IdMapRow } from '../../store/repos/id-map.ts';
import { xeroBillSettingsOf } from './settings.ts';

const eligible = (b: Bill) => b.status === 'approved' && b.amountPaid.minor === 0n;

/**
 * Approved, wholly unpaid Xero ACCPAY bills become BILL bills; later edits update them, voids
 * archive them or raise conflicts. A bill needs its supplier as a BILL vendor and its lines'
 * accounts in BILL's chart first: both are ensured (created where missing) before it is planned.
 */
class BillPlanner implements Planner<Bill, BillPayload> {
  private departments: Map<string, string> | null = null;
  /** BILL's view of the bills planned with it, kept for their updates (line ids go back with the edited lines). */
  private readonly states = new Map<string, TargetBillState>();

  constructor(private readonly run: StepRun) {}

  async plan(bills: readonly Bill[], mapped: ReadonlyMap<string, IdMapRow>): Promise<Decision<BillPayload>[]> {
    const { accounts, target } = this.run;
    const live = bills.filter((b) => eligible(b) || mapped.get(b.id)?.state === 'linked');
    // Only a bill that may be created or updated needs the charts of accounts (a webhook about a
    // bill that was just paid, say, needs neither chart).
    if (bills.some(eligible)) await accounts.loadIfNeeded();
    const vendorIds = await this.run.ensure('vendor', live.map((b) => b.vendorId));
    await accounts.ensure(live.filter((b) => !mapped.has(b.id)).flatMap((b) => b.lines));
    // A dry run's vendors to be created have placeholder ids that BILL cannot know.
    const hubVendorIds = [...new Set(live.map((b) => vendorIds.get(b.vendorId)).filter((id): id is string => !!id && !isPlannedId(id)))];
    const currencies = await target.vendorDirectory!.currencies(hubVendorIds);
    await this.loadDepartments();

    const linkedOf = (b: Bill) => {
      const row = mapped.get(b.id);
      return row?.state === 'linked' ? { targetId: row.target_id!, hash: row.content_hash } : null;
    };
    const plan = (b: Bill, current: TargetBillState | null): Decision<BillPayload> =>
      planBill(b, {
        linked: linkedOf(b),
        target: current,
        vendorTargetId: vendorIds.get(b.vendorId) ?? null,
        vendorCurrency: currencies.get(vendorIds.get(b.vendorId) ?? '') ?? null,
        accountFor: (l) => accounts.forLine(l),
        departmentFor: (l) => this.departmentFor(l),
      });

    // First pass without BILL's view; bills whose decision depends on it (voids, edits) are re-planned with it.
    const decisions = bills.map((b) => plan(b, null));
    const needTarget = bills.filter((b, i) => {
      const d = decisions[i]!;
      return linkedOf(b) && (d.kind === 'update' || (d.kind === 'fail' && (b.status === 'voided' || b.status === 'deleted')));
    });
    if (needTarget.length === 0) return decisions;
    for (const s of await target.billDirectory!.states(needTarget.map((b) => linkedOf(b)!.targetId))) this.states.set(s.id, s);
    return bills.map((b, i) => (needTarget.includes(b) ? plan(b, this.states.get(linkedOf(b)!.targetId) ?? null) : decisions[i]!));
  }

  currentOf(targetId: string): TargetBillState | null {
    return this.states.get(targetId) ?? null;
  }

  /** BILL departments by name, read once a run when the link maps a tracking category to them. */
  private async loadDepartments(): Promise<void> {
    if (this.departments) return;
    this.departments = new Map();
    if (!xeroBillSettingsOf(this.run.ctx.link).departmentCategory) return;
    for (const d of await this.run.target.departments!.list()) if (d.active) this.departments.set(nameKey(d.name), d.id);
  }

  private departmentFor(line: BillLine): string | null | { missing: string } {
    const category = xeroBillSettingsOf(this.run.ctx.link).departmentCategory;
    if (!category) return null;
    const dim = line.dimensions.find((d) => nameKey(d.category) === nameKey(category));
    if (!dim) return null;
    // A tracked line never loses its department silently: an option BILL lacks fails the bill.
    return this.departments?.get(nameKey(dim.option)) ?? { missing: dim.option };
  }
}

export const labelOfBill = (b: Bill): string => `${invoiceNumberFor(b)} (${formatMoney(b.total)} ${b.currency})`;

export const billStep: StepDefinition<Bill, BillPayload> = {
  entity: 'bill',
  from: 'erp',
  to: 'bill',
  targetEntity: 'bill',
  stream: 'erp.bills',
  dependsOn: ['vendor'],
  label: labelOfBill,
  matchKey: (p, b) => billMatchKey(p.vendorId, p.invoiceNumber, b.total.minor),
  planner: (run) => new BillPlanner(run),
  texts: {
    createReason: (b, dryRun) => (dryRun ? `approved and unpaid: ${formatMoney(b.total)} ${b.currency}` : 'approved and unpaid'),
    updateReason: 'bill changed in the ERP',
  },
};
