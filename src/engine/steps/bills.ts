import { ConnectorError, asConnectorError } from '../../core/errors.ts';
import { formatMoney } from '../../core/money.ts';
import type { Bill, BillLine, TargetBillState } from '../../model/types.ts';
import { invoiceNumberFor, planBill, type BillPayload } from '../../flows/xero-to-bill/map-bill.ts';
import { nameKey, type Decision } from '../../flows/types.ts';
import { getCursor } from '../../store/repos/cursors.ts';
import { dropIntents, getMappings, getMappingsByTarget, recordIntents, recordLinks, updateHash, type IntentRow } from '../../store/repos/id-map.ts';
import type { RunContext } from '../context.ts';
import { mapLimit, prefetch } from '../../core/concurrency.ts';
import { sendInChunks } from '../bulk.ts';
import { recordWaiting, settleIntents } from '../intents.ts';
import { commitPage } from '../commit.ts';
import { entities, streams } from '../link.ts';
import type { AccountMap } from './accounts.ts';
import { isPlannedVendorId, type VendorSync } from './vendors.ts';
import { isFatal, recordFailure, recordInvalid, recordNonWrite } from './failures.ts';

/** vendor|invoice number|amount: how a bill is found again on BILL when a create's answer was lost. */
export const billMatchKey = (vendorId: string, invoiceNumber: string, amountMinor: bigint): string =>
  `${vendorId}|${invoiceNumber.trim().toLowerCase()}|${amountMinor}`;

/**
 * Approved, wholly unpaid ERP bills become BILL bills; later edits update them, voids archive them
 * or raise conflicts. Creates go through BILL's bulk endpoint, recorded as intents first.
 */
export class BillSync {
  private departments = new Map<string, string>();
  /** Guards against recovering forever when every answer keeps getting lost. */
  private recoveries = 0;

  constructor(
    private readonly ctx: RunContext,
    private readonly accounts: AccountMap,
    private readonly vendors: VendorSync,
  ) {}

  private key() {
    return { link: this.ctx.link.name, entity: entities.bill, source_system: this.ctx.erp.system, target_system: 'bill' };
  }

  async load(): Promise<void> {
    if (this.ctx.link.settings.departmentCategory) {
      for (const d of await this.ctx.hub.listDepartments()) if (d.active) this.departments.set(nameKey(d.name), d.id);
    }
  }

  private departmentFor(line: BillLine): string | null | { missing: string } {
    const category = this.ctx.link.settings.departmentCategory;
    if (!category) return null;
    const dim = line.dimensions.find((d) => nameKey(d.category) === nameKey(category));
    if (!dim) return null;
    // A tracked line never loses its department silently: an option BILL lacks fails the bill.
    return this.departments.get(nameKey(dim.option)) ?? { missing: dim.option };
  }

  /** Bills changed since the checkpoint, page by page; the cursor moves after each committed page. */
  async syncChanged(): Promise<void> {
    await this.resolveIntents();
    const since = await getCursor(this.ctx.db, this.ctx.link.name, streams.erpBills);
    let done = 0;
    for await (const page of prefetch(this.ctx.erp.iterateBills(since))) {
      recordInvalid(this.ctx, entities.bill, page.invalid, { sourceSystem: this.ctx.erp.system, targetSystem: 'bill' });
      await this.process(page.items);
      await commitPage(this.ctx, 'bills', { stream: streams.erpBills, value: page.cursor });
      done += page.items.length;
      this.ctx.progress('bills', done);
    }
  }

  /** Re-runs the given ERP bills regardless of cursors (replay). */
  async syncIds(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 50) {
      const bills = await this.ctx.erp.getBills(ids.slice(i, i + 50));
      recordInvalid(this.ctx, entities.bill, bills.invalid, { sourceSystem: this.ctx.erp.system, targetSystem: 'bill' });
      await this.process(bills.items);
      await commitPage(this.ctx, 'bills', null);
    }
  }

  /**
   * Creates left in doubt (a crash, or an answer lost in an earlier run) are settled against BILL
   * (intents.ts): a BILL bill with the same vendor, invoice number and amount is adopted; the ones
   * released are re-read from the ERP and processed again, so exactly one BILL bill results.
   */
  async resolveIntents(): Promise<void> {
    if (this.ctx.dryRun) return;
    const settled = await settleIntents(this.ctx, this.key(), (intents) => this.search(intents));
    if (settled.released.length > 0) await this.recreate(settled.released.map((i) => i.source_id));
  }

  /** Creates again, from a fresh read of the ERP, the bills whose intents were released. */
  private async recreate(ids: readonly string[]): Promise<void> {
    if (++this.recoveries > 5) {
      throw new ConnectorError({ code: 'MLC_ERR_NETWORK', message: 'BILL keeps losing the answers to bill creates; the next run resumes from the saved state' });
    }
    await this.syncIds(ids);
  }

  /** BILL bills not linked to another ERP bill, matched to intents by vendor, invoice number and amount. */
  private async search(intents: readonly IntentRow[]): Promise<Map<string, string>> {
    const vendorIds = [...new Set(intents.map((i) => (i.match_key ?? '').split('|')[0]!).filter(Boolean))];
    const candidates = await this.ctx.hub.findBillsByVendors(vendorIds);
    const alreadyLinked = await getMappingsByTarget(this.ctx.db, this.key(), candidates.map((c) => c.id));
    const pool = new Map<string, string[]>();
    for (const c of candidates) {
      if (c.archived || alreadyLinked.has(c.id)) continue;
      const k = billMatchKey(c.vendorId, c.invoiceNumber, c.amount.minor);
      pool.set(k, [...(pool.get(k) ?? []), c.id]);
    }
    const found = new Map<string, string>();
    for (const i of intents) {
      const id = pool.get(i.match_key ?? '')?.shift();
      if (id) found.set(i.source_id, id);
    }
    return found;
  }

  private async process(read: readonly Bill[]): Promise<void> {
    if (read.length === 0) return;
    const ctx = this.ctx;
    const mapped = await getMappings(ctx.db, this.key(), read.map((b) => b.id));
    // A bill whose create is in doubt waits for its intent to settle; it is never sent twice.
    for (const b of read) if (mapped.get(b.id)?.state === 'intent') recordWaiting(ctx, this.key(), b.id, labelOf(b));
    const bills = read.filter((b) => mapped.get(b.id)?.state !== 'intent');
    if (bills.length === 0) return;
    const live = bills.filter((b) => (b.status === 'approved' && b.amountPaid.minor === 0n) || mapped.get(b.id)?.state === 'linked');
    // Only a bill that may be created or updated needs the charts of accounts (a webhook about a bill
    // that was just paid, say, needs neither chart).
    if (bills.some((b) => b.status === 'approved' && b.amountPaid.minor === 0n)) await this.accounts.loadIfNeeded();
    const vendorIds = await this.vendors.ensure(live.map((b) => b.vendorId));
    await this.accounts.ensure(live.filter((b) => !mapped.has(b.id)).flatMap((b) => b.lines));
    // A dry run's vendors to be created have placeholder ids that BILL cannot know.
    const hubVendorIds = [...new Set(live.map((b) => vendorIds.get(b.vendorId)).filter((id): id is string => !!id && !isPlannedVendorId(id)))];
    const currencies = await ctx.hub.vendorCurrencies(hubVendorIds);

    const linkedOf = (b: Bill) => {
      const row = mapped.get(b.id);
      return row?.state === 'linked' ? { targetId: row.target_id!, hash: row.content_hash } : null;
    };
    const plan = (b: Bill, target: TargetBillState | null): Decision<BillPayload> =>
      planBill(b, {
        linked: linkedOf(b),
        target,
        vendorTargetId: vendorIds.get(b.vendorId) ?? null,
        vendorCurrency: currencies.get(vendorIds.get(b.vendorId) ?? '') ?? null,
        accountFor: (l) => this.accounts.forLine(l),
        departmentFor: (l) => this.departmentFor(l),
      });

    // First pass without BILL's view; bills whose decision depends on it (voids, edits) are re-planned with it.
    let decisions = bills.map((b) => plan(b, null));
    const needTarget = bills.filter((b, i) => {
      const d = decisions[i]!;
      return linkedOf(b) && (d.kind === 'update' || (d.kind === 'fail' && (b.status === 'voided' || b.status === 'deleted')));
    });
    // BILL's view is kept for the updates too: its line ids go back with the edited lines.
    let states = new Map<string, TargetBillState>();
    if (needTarget.length > 0) {
      states = new Map((await ctx.hub.getBillStates(needTarget.map((b) => linkedOf(b)!.targetId))).map((s) => [s.id, s]));
      decisions = bills.map((b, i) => (needTarget.includes(b) ? plan(b, states.get(linkedOf(b)!.targetId) ?? null) : decisions[i]!));
    }

    const creates: { bill: Bill; payload: BillPayload; hash: string }[] = [];
    const writes: { bill: Bill; d: Extract<Decision<BillPayload>, { kind: 'update' | 'archive' }> }[] = [];
    bills.forEach((b, i) => {
      const d = decisions[i]!;
      const entry = { entity: entities.bill, sourceId: b.id, label: labelOf(b) };
      const base = { sourceSystem: ctx.erp.system, targetSystem: 'bill', sourceVersion: b.updatedAt };
      switch (d.kind) {
        case 'create':
          creates.push({ bill: b, payload: d.payload, hash: d.hash });
          break;
        case 'update':
        case 'archive':
          writes.push({ bill: b, d });
          break;
        default:
          recordNonWrite(ctx, entry, base, d);
      }
    });

    await this.create(creates);
    await mapLimit(writes, 3, (w) => this.write(w.bill, w.d, states.get(w.d.targetId) ?? null));
  }

  private async write(bill: Bill, d: Extract<Decision<BillPayload>, { kind: 'update' | 'archive' }>, target: TargetBillState | null): Promise<void> {
    const ctx = this.ctx;
    const entry = { entity: entities.bill, sourceId: bill.id, label: labelOf(bill) };
    const base = { sourceSystem: ctx.erp.system, targetSystem: 'bill', sourceVersion: bill.updatedAt, targetId: d.targetId };
    const reason = d.kind === 'update' ? 'bill changed in the ERP' : d.reason;
    if (ctx.dryRun) return ctx.outcome({ ...entry, action: d.kind, reason }, null, null);
    try {
      if (d.kind === 'update') {
        await ctx.hub.updateBill(d.targetId, d.payload, target);
        await updateHash(ctx.db, this.key(), bill.id, d.hash, bill.updatedAt);
      } else {
        await ctx.hub.archiveBill(d.targetId);
      }
      ctx.outcome({ ...entry, action: d.kind, reason },
        { ...base, step: d.kind === 'update' ? 'updated' : 'archived', outcome: 'ok', payload: d.kind === 'update' ? d.payload : undefined },
        { sourceSystem: ctx.erp.system, status: 'synced', reason: d.kind === 'update' ? 'updated in BILL' : 'archived in BILL', errorCode: null, errorMessage: null, targetId: d.targetId });
    } catch (e) {
      const error = asConnectorError(e);
      if (isFatal(error)) throw error;
      recordFailure(ctx, entry, base, error.code, error.message, d.kind === 'update' ? d.payload : undefined, error.vendorBody);
    }
  }

  private async create(creates: { bill: Bill; payload: BillPayload; hash: string }[]): Promise<void> {
    const ctx = this.ctx;
    if (creates.length === 0) return;
    if (ctx.dryRun) {
      for (const c of creates) {
        ctx.outcome({ entity: entities.bill, sourceId: c.bill.id, label: labelOf(c.bill), action: 'create', reason: `approved and unpaid: ${formatMoney(c.bill.total)} ${c.bill.currency}` }, null, null);
      }
      return;
    }
    await recordIntents(ctx.db, this.key(), creates.map((c) => ({
      sourceId: c.bill.id, matchKey: billMatchKey(c.payload.vendorId, c.payload.invoiceNumber, c.bill.total.minor), sourceVersion: c.bill.updatedAt, hash: c.hash,
    })));
    // Every chunk settles before anything is searched for or dropped (bulk.ts).
    const { outcomes, fatal } = await sendInChunks(creates, ctx.hub.caps.bulkBills, 3, (chunk) => ctx.hub.createBills(chunk.map((c) => c.payload)));
    const links: { sourceId: string; targetId: string; hash: string | null; sourceVersion: string | null }[] = [];
    const notWritten: string[] = [];
    const inDoubt: string[] = [];
    outcomes.forEach((o, i) => {
      const c = creates[i]!;
      const entry = { entity: entities.bill, sourceId: c.bill.id, label: labelOf(c.bill) };
      const base = { sourceSystem: ctx.erp.system, targetSystem: 'bill', sourceVersion: c.bill.updatedAt };
      switch (o.kind) {
        case 'written':
          links.push({ sourceId: c.bill.id, targetId: o.value, hash: c.hash, sourceVersion: c.bill.updatedAt });
          ctx.outcome({ ...entry, action: 'create', reason: 'approved and unpaid' },
            { ...base, targetId: o.value, step: 'created', outcome: 'ok', payload: c.payload, response: { id: o.value } },
            { sourceSystem: ctx.erp.system, status: 'synced', reason: 'created in BILL', errorCode: null, errorMessage: null, targetId: o.value });
          break;
        case 'refused':
          notWritten.push(c.bill.id);
          recordFailure(ctx, entry, { ...base, targetId: null }, o.error.code, o.error.message, c.payload, o.error.vendorBody);
          break;
        case 'unknown':
          inDoubt.push(c.bill.id);
          break;
        case 'unsent':
          // The run ends on `fatal` before this page commits, so the bill is read again next run.
          notWritten.push(c.bill.id);
      }
    });
    await ctx.db.transaction(async (tx) => {
      await recordLinks(tx, this.key(), links);
      await dropIntents(tx, this.key(), notWritten);
    });
    if (fatal) throw fatal;
    if (inDoubt.length > 0) {
      ctx.log.warn({ link: ctx.link.name, count: inDoubt.length }, 'answers to bill creates lost; searching BILL once every create has settled');
      const settled = await settleIntents(ctx, this.key(), (intents) => this.search(intents), {
        only: inDoubt, inDoubt: true, labels: new Map(creates.map((c) => [c.bill.id, labelOf(c.bill)])),
      });
      if (settled.released.length > 0) await this.recreate(settled.released.map((i) => i.source_id));
    }
  }
}

const labelOf = (b: Bill): string => `${invoiceNumberFor(b)} (${formatMoney(b.total)} ${b.currency})`;
