import { ConnectorError, asConnectorError } from '../../core/errors.ts';
import { formatMoney, subtractMoney } from '../../core/money.ts';
import type { Bill, BillPaymentApplication } from '../../model/types.ts';
import { paymentReference, planPayment, type ErpPaymentPayload } from '../../flows/bill-to-xero/map-payment.ts';
import { getCursor } from '../../store/repos/cursors.ts';
import { dropIntents, getMappings, getMappingsByTarget, listIntents, recordIntents, recordLinks, unlink, type IdMapRow } from '../../store/repos/id-map.ts';
import type { RunContext } from '../context.ts';
import { mapLimit, prefetch } from '../../core/concurrency.ts';
import { commitPage } from '../commit.ts';
import { entities, streams } from '../link.ts';
import { isFatal, recordFailure, recordNonWrite } from './failures.ts';

/** ERP payments per batched call; Xero recommends about 50 elements per request and caps bodies at 3.5 MB. */
const paymentBatch = 50;
/**
 * Batched posts in flight at once. Xero allows 5 concurrent calls per tenant
 * (developer.xero.com/documentation/oauth2/limits); the transport's limiter holds each ERP to its
 * own cap, so asking for more than an ERP allows only queues.
 */
const postsInFlight = 5;
/**
 * BILL lists at most 100 payments a page, which fills only two batches: pages are gathered up to
 * this many applications before posting, so the batches go out together and keep the ERP's pipe full.
 * The cursor still moves only after every write of the gathered pages is committed.
 */
const applicationsPerRound = paymentBatch * postsInFlight;

/**
 * Each settled BILL payment applied to a synced bill becomes one ERP payment against the original
 * bill, carrying the BILL ids as its reference. A payment BILL cancels or voids after it was posted
 * is removed from the ERP again.
 */
export class PaymentSync {
  constructor(private readonly ctx: RunContext) {}

  private key() {
    return { link: this.ctx.link.name, entity: entities.payment, source_system: 'bill', target_system: this.ctx.erp.system };
  }

  private account() {
    const a = this.ctx.link.settings.paymentAccount;
    if (!a) {
      throw new ConnectorError({
        code: 'MLC_ERR_CONFIG',
        message: `link '${this.ctx.link.name}' has no payment account: set one with 'ml-connector link create --name ${this.ctx.link.name} --payment-account <code>'`,
      });
    }
    return a;
  }

  async syncChanged(): Promise<void> {
    await this.resolveIntents();
    const since = await getCursor(this.ctx.db, this.ctx.link.name, streams.hubPayments);
    let done = 0;
    let gathered: BillPaymentApplication[] = [];
    let cursor: string | null = null;
    let pending = false;
    const flush = async () => {
      await this.process(gathered);
      await commitPage(this.ctx, 'payments', { stream: streams.hubPayments, value: cursor });
      done += gathered.length;
      this.ctx.progress('payments', done);
      gathered = [];
      pending = false;
    };
    for await (const page of prefetch(this.ctx.hub.iteratePaymentApplications(since))) {
      gathered.push(...page.items);
      cursor = page.cursor;
      pending = true;
      if (gathered.length >= applicationsPerRound) await flush();
    }
    if (pending) await flush();
  }

  /** Payments posted before a crash are found by their reference; the rest are posted again. */
  async resolveIntents(): Promise<void> {
    if (this.ctx.dryRun) return;
    const intents = await listIntents(this.ctx.db, this.key());
    if (intents.length === 0) return;
    // An intent is recorded before its post, so no payment it stands for is older than the oldest intent.
    const oldest = new Date(intents.reduce((t, i) => Math.min(t, new Date(i.created_at).getTime()), Date.now()));
    const found = await this.ctx.erp.findPaymentsByReference(intents.map((i) => i.match_key ?? ''), oldest);
    const adopted = intents.filter((i) => found.has(i.match_key ?? ''));
    const orphaned = intents.filter((i) => !found.has(i.match_key ?? ''));
    await this.ctx.db.transaction(async (tx) => {
      await recordLinks(tx, this.key(), adopted.map((i) => ({ sourceId: i.source_id, targetId: found.get(i.match_key ?? '')!, hash: null, sourceVersion: i.source_version })));
      await dropIntents(tx, this.key(), orphaned.map((o) => o.source_id));
    });
    this.ctx.count('payment.recovered', adopted.length);
    if (orphaned.length > 0) {
      // Their BILL payments are re-read from the saved cursor on this run, so they are posted then.
      this.ctx.log.info({ link: this.ctx.link.name, count: orphaned.length }, 'payment posts not found on the ERP; they will be posted again');
    }
  }

  async process(apps: readonly BillPaymentApplication[]): Promise<void> {
    if (apps.length === 0) return;
    const ctx = this.ctx;
    const bills = await getMappingsByTarget(ctx.db, { link: ctx.link.name, entity: entities.bill }, apps.map((a) => a.billId));
    const posted = await getMappings(ctx.db, this.key(), apps.map((a) => a.id));
    const erpBills = await this.currentErpBills(apps, bills, posted);
    const creates: { app: BillPaymentApplication; payload: ErpPaymentPayload }[] = [];
    const deletes: { app: BillPaymentApplication; targetId: string; reason: string }[] = [];
    for (const app of apps) {
      const billRow = bills.get(app.billId);
      const postedRow = posted.get(app.id);
      const erpBill = billRow ? erpBills.get(billRow.source_id) : undefined;
      const d = planPayment(app, {
        erpBill: billRow
          ? erpBill
            ? { id: erpBill.id, status: erpBill.status, amountDue: erpBill.amountDue, open: erpBill.status === 'approved' }
            // Not readable now (deleted on the ERP, or a read failure): the ERP's own checks decide.
            : { id: billRow.source_id, status: 'unknown', amountDue: null, open: true }
          : null,
        posted: postedRow?.state === 'linked' ? { targetId: postedRow.target_id! } : null,
      });
      // Payments planned earlier in this batch use up the balance the next one sees.
      if (d.kind === 'create' && erpBill && erpBill.amountDue.currency === app.amount.currency) {
        erpBill.amountDue = subtractMoney(erpBill.amountDue, app.amount);
        if (erpBill.amountDue.minor === 0n) erpBill.status = 'paid';
      }
      const entry = { entity: entities.payment, sourceId: app.id, label: paymentReference(app) };
      const base = { sourceSystem: 'bill', targetSystem: ctx.erp.system, sourceVersion: app.updatedAt };
      switch (d.kind) {
        case 'create':
          creates.push({ app, payload: d.payload });
          break;
        case 'delete':
          deletes.push({ app, targetId: d.targetId, reason: d.reason });
          break;
        default:
          // A payment still on its way is taken up again when BILL updates it.
          recordNonWrite(ctx, entry, base, d, { skipStatus: app.state === 'pending' && billRow ? 'pending' : 'skipped' });
      }
    }
    await this.post(creates);
    await mapLimit(deletes, 2, async (del) => {
      const entry = { entity: entities.payment, sourceId: del.app.id, label: paymentReference(del.app) };
      const base = { sourceSystem: 'bill', targetSystem: ctx.erp.system, sourceVersion: del.app.updatedAt, targetId: del.targetId };
      if (ctx.dryRun) return ctx.outcome({ ...entry, action: 'delete', reason: del.reason }, null, null);
      try {
        await ctx.erp.deletePayment(del.targetId);
        await unlink(ctx.db, this.key(), del.app.id);
        ctx.outcome({ ...entry, action: 'delete', reason: del.reason }, { ...base, step: 'deleted', outcome: 'ok', message: del.reason },
          { sourceSystem: 'bill', status: 'synced', reason: `ERP payment removed: ${del.reason}`, errorCode: null, errorMessage: null, targetId: null });
      } catch (e) {
        const error = asConnectorError(e);
        if (isFatal(error)) throw error;
        recordFailure(ctx, entry, base, error.code, error.message, undefined, error.vendorBody);
      }
    });
  }

  /**
   * The ERP bills that payments about to be posted are for, read as they are now: a bill voided or
   * paid by hand on the ERP, or with less outstanding than BILL paid, is a conflict for the user,
   * not a refused write. One read per 50 bills (Xero GET /Invoices?IDs=).
   */
  private async currentErpBills(apps: readonly BillPaymentApplication[], bills: Map<string, IdMapRow>, posted: Map<string, IdMapRow>): Promise<Map<string, Bill>> {
    const wanted = new Set<string>();
    for (const app of apps) {
      const billRow = bills.get(app.billId);
      if (billRow && app.state === 'settled' && posted.get(app.id)?.state !== 'linked') wanted.add(billRow.source_id);
    }
    if (wanted.size === 0) return new Map();
    const current = await this.ctx.erp.getBills([...wanted]);
    return new Map(current.map((b) => [b.id, b]));
  }

  private async post(creates: { app: BillPaymentApplication; payload: ErpPaymentPayload }[], attempt = 1): Promise<void> {
    const ctx = this.ctx;
    if (creates.length === 0) return;
    if (ctx.dryRun) {
      for (const c of creates) {
        ctx.outcome({ entity: entities.payment, sourceId: c.app.id, label: c.payload.reference, action: 'create', reason: `post ${formatMoney(c.app.amount)} ${c.app.amount.currency} against the ERP bill` }, null, null);
      }
      return;
    }
    const account = this.account();
    await recordIntents(ctx.db, this.key(), creates.map((c) => ({ sourceId: c.app.id, matchKey: c.payload.reference, sourceVersion: c.app.updatedAt, hash: null })));
    const batches: (typeof creates)[] = [];
    for (let i = 0; i < creates.length; i += paymentBatch) batches.push(creates.slice(i, i + paymentBatch));
    const links: { sourceId: string; targetId: string; hash: string | null; sourceVersion: string | null; extra: Record<string, unknown> }[] = [];
    const failed: string[] = [];
    let ambiguous = false;
    await mapLimit(batches, postsInFlight, async (batch) => {
      let results;
      try {
        results = await ctx.erp.postPayments(batch.map((c) => c.payload), account);
      } catch (e) {
        const error = asConnectorError(e);
        if (isFatal(error) || error.kind !== 'retryable') throw error;
        ambiguous = true;
        return;
      }
      results.forEach((r, i) => {
        const c = batch[i]!;
        const entry = { entity: entities.payment, sourceId: c.app.id, label: c.payload.reference };
        const base = { sourceSystem: 'bill', targetSystem: ctx.erp.system, sourceVersion: c.app.updatedAt };
        if (r.ok) {
          links.push({ sourceId: c.app.id, targetId: r.targetId, hash: null, sourceVersion: c.app.updatedAt, extra: { amount: formatMoney(c.app.amount), currency: c.app.amount.currency, erpBillId: c.payload.erpBillId } });
          ctx.outcome({ ...entry, action: 'create', reason: 'settled in BILL' },
            { ...base, targetId: r.targetId, step: 'created', outcome: 'ok', payload: c.payload, response: { id: r.targetId } },
            { sourceSystem: 'bill', status: 'synced', reason: 'posted to the ERP', errorCode: null, errorMessage: null, targetId: r.targetId });
        } else {
          failed.push(c.app.id);
          recordFailure(ctx, entry, { ...base, targetId: null }, r.error.code, r.error.message, c.payload, r.error.vendorBody);
        }
      });
    });
    await ctx.db.transaction(async (tx) => {
      await recordLinks(tx, this.key(), links);
      await dropIntents(tx, this.key(), failed);
    });
    if (ambiguous) {
      // Some batch's answer was lost: find what the ERP recorded by reference, then post the rest.
      await this.resolveIntents();
      const remaining = creates.filter((c) => !links.some((l) => l.sourceId === c.app.id) && !failed.includes(c.app.id));
      const now = await getMappings(ctx.db, this.key(), remaining.map((c) => c.app.id));
      const retry = remaining.filter((c) => now.get(c.app.id)?.state !== 'linked');
      if (attempt >= 3) {
        throw new ConnectorError({ code: 'MLC_ERR_NETWORK', message: 'posting payments to the ERP keeps losing its answers; the next run resumes from the saved state' });
      }
      await this.post(retry, attempt + 1);
    }
  }
}
