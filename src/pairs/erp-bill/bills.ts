import { formatMoney } from '../../core/money.ts';
import { invoiceNumberFor, isPayableToBill, planBill } from '../../flows/erp-to-bill/map-bill.ts';
import { nameKey, type Decision } from '../../flows/types.ts';
import { billMatchKey, type BillPayload } from '../../model/payloads.ts';
import type { Bill, BillLine, TargetBillState } from '../../model/types.ts';
import type { Planner, StepDefinition, StepRun } from '../../engine/pair.ts';
import { isPlannedId } from '../../engine/step-runner.ts';
import type { IdMapRow } from '../../store/repos/id-map.ts';
import type { Link } from '../../model/link.ts';


/**
 * How a pair puts a bill line on a BILL department: the name of the department a line asks for
 * (null: none), or no rule at all for the link (departments are then never read). A line asking
 * for a department BILL lacks fails its bill, naming it.
 */
export interface DepartmentRule {
  /** Whether any line of this link can ask for a department. */
  appliesTo(link: Link): boolean;
  /**
   * The BILL department (by name) the line goes on, null for none, or why the line cannot go on
   * one (`unmapped`: the rest of a sentence after "line N", naming what to map and how).
   */
  departmentOf(link: Link, line: BillLine): string | null | { unmapped: string };
}

/**
 * Approved (released), wholly unpaid ERP bills become BILL bills; later edits update them, voids
 * archive them or raise conflicts. A bill needs its supplier as a BILL vendor and its lines'
 * accounts in BILL's chart first: both are ensured (created where missing) before it is planned.
 */
class BillPlanner implements Planner<Bill, BillPayload> {
  private departments: Map<string, string> | null = null;
  /** BILL's view of the bills planned with it, kept for their updates (line ids go back with the edited lines). */
  private readonly states = new Map<string, TargetBillState>();
  /** The lines of the round split last, whose missing accounts the round's first group creates in one call. */
  private roundLines: BillLine[] | null = null;

  constructor(
    private readonly run: StepRun,
    private readonly rule: DepartmentRule,
  ) {}

  async plan(bills: readonly Bill[], mapped: ReadonlyMap<string, IdMapRow>): Promise<Decision<BillPayload>[]> {
    const { accounts, target } = this.run;
    const live = bills.filter((b) => isPayableToBill(b) || mapped.get(b.id)?.state === 'linked');
    // Only a bill that may be created or updated needs the charts of accounts (a webhook about a
    // bill that was just paid, say, needs neither chart).
    if (bills.some(isPayableToBill)) await accounts.loadIfNeeded();
    else await accounts.ready();
    const vendorIds = await this.run.ensure('vendor', live.map((b) => b.vendorId));
    await accounts.ensure(this.roundLines ?? live.filter((b) => !mapped.has(b.id)).flatMap((b) => b.lines));
    this.roundLines = null;
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

  /**
   * The round's bills that may be written, vendor by vendor, in as many groups as BILL bulks they
   * need (200 bills each: developer.bill.com/reference/createbulkbills), so calls stay one per
   * bulk; each group's vendors are asked for in group order, so the vendor step creates them
   * first and the group's bulk goes once they are linked. The bills that cannot be written go
   * with the first group; the round's missing accounts are created with the first group too.
   */
  split(bills: readonly Bill[], mapped: ReadonlyMap<string, IdMapRow>, batch: number): Bill[][] {
    const isLive = (b: Bill) => isPayableToBill(b) || mapped.get(b.id)?.state === 'linked';
    const live = bills.filter(isLive).sort((a, b) => (a.vendorId < b.vendorId ? -1 : a.vendorId > b.vendorId ? 1 : 0));
    const count = Math.max(1, Math.ceil(live.length / batch));
    const groups: Bill[][] = [];
    for (let k = 0, start = 0; k < count; k += 1) {
      const end = start + Math.ceil((live.length - start) / (count - k));
      groups.push(live.slice(start, end));
      start = end;
    }
    for (const g of groups) this.run.expect('vendor', g.map((b) => b.vendorId));
    this.roundLines = live.filter((b) => !mapped.has(b.id)).flatMap((b) => b.lines);
    groups[0]!.push(...bills.filter((b) => !isLive(b)));
    return groups;
  }

  currentOf(targetId: string): TargetBillState | null {
    return this.states.get(targetId) ?? null;
  }

  /** BILL departments by name, read once a run when the link maps lines to them. */
  private async loadDepartments(): Promise<void> {
    if (this.departments) return;
    this.departments = new Map();
    if (!this.rule.appliesTo(this.run.ctx.link)) return;
    for (const d of await this.run.target.departments!.list()) if (d.active) this.departments.set(nameKey(d.name), d.id);
  }

  private departmentFor(line: BillLine): string | null | { missing: string } | { unmapped: string } {
    const link = this.run.ctx.link;
    if (!this.rule.appliesTo(link)) return null;
    const wanted = this.rule.departmentOf(link, line);
    if (wanted === null || typeof wanted === 'object') return wanted;
    // A mapped line never loses its department silently: one BILL lacks fails the bill.
    return this.departments?.get(nameKey(wanted)) ?? { missing: wanted };
  }
}

export const labelOfBill = (b: Bill): string => `${invoiceNumberFor(b)} (${formatMoney(b.total)} ${b.currency})`;

/** The bill step of an ERP → BILL pair, with the pair's way of choosing a line's department. */
export const billStepWith = (rule: DepartmentRule): StepDefinition<Bill, BillPayload> => ({
  entity: 'bill',
  from: 'erp',
  to: 'bill',
  targetEntity: 'bill',
  stream: 'erp.bills',
  dependsOn: ['vendor'],
  // Its vendors are asked for through ensure: a bill chunk goes as soon as its own vendors are linked.
  overlapsDependencies: true,
  label: labelOfBill,
  matchKey: (p, b) => billMatchKey(p.vendorId, p.invoiceNumber, b.total.minor),
  planner: (run) => new BillPlanner(run, rule),
  texts: {
    createReason: (b, dryRun) => (dryRun ? `approved and unpaid: ${formatMoney(b.total)} ${b.currency}` : 'approved and unpaid'),
    updateReason: 'bill changed in the ERP',
  },
});
