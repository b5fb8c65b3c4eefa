import { ConnectorError, asConnectorError } from '../../core/errors.ts';
import { formatMoney, subtractMoney } from '../../core/money.ts';
import type { Bill, BillPaymentApplication } from '../../model/types.ts';
import { awaitsSettlement, paymentReference, planPayment, type ErpPaymentPayload } from '../../flows/bill-to-xero/map-payment.ts';
import { getCursor } from '../../store/repos/cursors.ts';
import { listRecords, type RecordRow } from '../../store/repos/records.ts';
import { dropIntents, getMappings, getMappingsByTarget, recordIntents, recordLinks, unlink, type IdMapRow, type IntentRow } from '../../store/repos/id-map.ts';
import { mayHaveWritten } from '../bulk.ts';
import { recordWaiting, settleIntents } from '../intents.ts';
import type { RunContext } from '../context.ts';
import { mapLimit, prefetch } from '../../core/concurrency.ts';
import { commitPage } from '../commit.ts';
import { entities, streams } from '../link.ts';
import { isFatal, recordFailure, recordInvalid, recordNonWrite } from './failures.ts';

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
/** Pending payment records read from the database at a time (the store caps one read at 5,000). */
const pendingPage = 5000;

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
        message: `link '${this.ctx.link.name}' has no payment account: set one with 'ml-connector link update --name ${this.ctx.link.name} --payment-account <code>'`,
      });
    }
    return a;
  }

  async syncChanged(): Promise<void> {
    await this.resolveIntents();
    await this.rereadPending();
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
      // Committed with the round whose cursor passes them.
      recordInvalid(this.ctx, entities.payment, page.invalid, { sourceSystem: 'bill', targetSystem: this.ctx.erp.system });
      gathered.push(...page.items);
      cursor = page.cursor;
      pending = true;
      if (gathered.length >= applicationsPerRound) await flush();
    }
    if (pending) await flush();
  }

  /**
   * BILL payments not settled yet (scheduled, in process, failed, or in a status the connector does
   * not know) are read again by id on every run, whatever the payments cursor says: BILL does not
   * document whether its own timers move a payment's updatedTime when they advance its status (A6),
   * and a status the connector learns later leaves updatedTime where it was. One list call per 50
   * payments; a payment still unsettled stays pending.
   */
  private async rereadPending(): Promise<void> {
    const ctx = this.ctx;
    const rows: RecordRow[] = [];
    for (let offset = 0; ; offset += pendingPage) {
      const page = await listRecords(ctx.db, { link: ctx.link.name, entity: entities.payment, sourceSystem: 'bill', status: ['pending'], limit: pendingPage, offset });
      rows.push(...page);
      if (page.length < pendingPage) break;
    }
    if (rows.length === 0) return;
    ctx.count('payment.pending_reread', rows.length);
    await this.reread(rows.map((r) => ({ applicationId: r.source_id, reference: r.label })));
  }

  /**
   * Posts left in doubt (a crash, or an answer lost in an earlier run) are settled against the ERP
   * by their reference (intents.ts); the ones released are read from BILL again by id and posted,
   * since the payments cursor may already have moved past them.
   */
  async resolveIntents(): Promise<void> {
    if (this.ctx.dryRun) return;
    const settled = await settleIntents(this.ctx, this.key(), (intents) => this.search(intents));
    if (settled.released.length === 0) return;
    this.ctx.log.info({ link: this.ctx.link.name, count: settled.released.length }, 'payment posts not found on the ERP; they will be posted again');
    await this.reread(settled.released.map((i) => ({ applicationId: i.source_id, reference: i.match_key })));
  }

  /** Reads these BILL payment applications again by their payments' ids and processes them. */
  async reread(wanted: readonly { applicationId: string; reference: string | null }[]): Promise<void> {
    const ids = new Set(wanted.map((w) => w.applicationId));
    const paymentIds = [...new Set(wanted.map((w) => paymentIdOfReference(w.reference)).filter((id): id is string => id !== null))];
    if (paymentIds.length === 0) return;
    const read = await this.ctx.hub.getPaymentApplications(paymentIds);
    recordInvalid(this.ctx, entities.payment, read.invalid.filter((r) => r.id !== null && ids.has(r.id)), { sourceSystem: 'bill', targetSystem: this.ctx.erp.system });
    const apps = read.items.filter((a) => ids.has(a.id));
    await this.process(apps);
    await commitPage(this.ctx, 'payments', null);
  }

  /** ERP payments carrying the intents' references. No post is older than its intent, so one window is read. */
  private async search(intents: readonly IntentRow[]): Promise<Map<string, string>> {
    const oldest = new Date(intents.reduce((t, i) => Math.min(t, new Date(i.created_at).getTime()), Date.now()));
    const found = await this.ctx.erp.findPaymentsByReference(intents.map((i) => i.match_key ?? ''), oldest);
    const out = new Map<string, string>();
    for (const i of intents) {
      const id = found.get(i.match_key ?? '');
      if (id) out.set(i.source_id, id);
    }
    return out;
  }

  async process(read: readonly BillPaymentApplication[]): Promise<void> {
    let apps = read;
    if (apps.length === 0) return;
    const ctx = this.ctx;
    const bills = await getMappingsByTarget(ctx.db, { link: ctx.link.name, entity: entities.bill }, apps.map((a) => a.billId));
    const posted = await getMappings(ctx.db, this.key(), apps.map((a) => a.id));
    // A payment whose post is in doubt waits for its intent to settle; it is never posted twice.
    for (const a of apps) if (posted.get(a.id)?.state === 'intent') recordWaiting(ctx, this.key(), a.id, paymentReference(a));
    apps = apps.filter((a) => posted.get(a.id)?.state !== 'intent');
    if (apps.length === 0) return;
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
        case 'unchanged':
          if (awaitsSettlement(app.state)) {
            // Posted, but BILL moved it back or into a status not known here: watched (pending) until it settles.
            ctx.outcome({ ...entry, action: 'unchanged', reason: d.reason }, null,
              { sourceSystem: 'bill', status: 'pending', reason: d.reason, errorCode: null, errorMessage: null, targetId: d.targetId });
          } else recordNonWrite(ctx, entry, base, d);
          break;
        default:
          // A payment still on its way is pending: read again by id on every run until it settles.
          recordNonWrite(ctx, entry, base, d, { skipStatus: awaitsSettlement(app.state) && billRow ? 'pending' : 'skipped' });
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
    // An ERP bill that cannot be read now is failed as a bill; its payments go on as for a bill not found.
    recordInvalid(this.ctx, entities.bill, current.invalid, { sourceSystem: this.ctx.erp.system, targetSystem: 'bill' });
    return new Map(current.items.map((b) => [b.id, b]));
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
    const notWritten: string[] = [];
    const inDoubt: typeof creates = [];
    let fatal: ConnectorError | null = null;
    // Every batch settles before anything is searched for or dropped: a search while a sibling batch
    // is still posting would miss its payments and post them twice.
    await mapLimit(batches, postsInFlight, async (batch) => {
      if (fatal) {
        notWritten.push(...batch.map((c) => c.app.id));
        return;
      }
      let results;
      try {
        results = await ctx.erp.postPayments(batch.map((c) => c.payload), account);
      } catch (e) {
        const error = asConnectorError(e);
        if (mayHaveWritten(error)) inDoubt.push(...batch);
        else if (!isFatal(error)) {
          for (const c of batch) {
            notWritten.push(c.app.id);
            recordFailure(ctx, { entity: entities.payment, sourceId: c.app.id, label: c.payload.reference },
              { sourceSystem: 'bill', targetSystem: ctx.erp.system, sourceVersion: c.app.updatedAt, targetId: null }, error.code, error.message, c.payload, error.vendorBody);
          }
        } else notWritten.push(...batch.map((c) => c.app.id));
        if (isFatal(error)) fatal ??= error;
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
          notWritten.push(c.app.id);
          recordFailure(ctx, entry, { ...base, targetId: null }, r.error.code, r.error.message, c.payload, r.error.vendorBody);
        }
      });
    });
    await ctx.db.transaction(async (tx) => {
      await recordLinks(tx, this.key(), links);
      await dropIntents(tx, this.key(), notWritten);
    });
    if (fatal) throw fatal;
    if (inDoubt.length === 0) return;
    ctx.log.warn({ link: ctx.link.name, count: inDoubt.length }, 'answers to payment posts lost; searching the ERP once every post has settled');
    const settled = await settleIntents(ctx, this.key(), (intents) => this.search(intents), {
      only: inDoubt.map((c) => c.app.id), inDoubt: true, labels: new Map(inDoubt.map((c) => [c.app.id, c.payload.reference])),
    });
    const released = new Set(settled.released.map((i) => i.source_id));
    if (released.size === 0) return;
    if (attempt >= 3) {
      throw new ConnectorError({ code: 'MLC_ERR_NETWORK', message: 'posting payments to the ERP keeps losing its answers; the next run resumes from the saved state' });
    }
    await this.post(inDoubt.filter((c) => released.has(c.app.id)), attempt + 1);
  }
}

/** The BILL payment id in a reference "BILL <payment id> <application id>". */
export const paymentIdOfReference = (reference: string | null): string | null => /^BILL (\S+) \S+$/.exec(reference ?? '')?.[1] ?? null;

