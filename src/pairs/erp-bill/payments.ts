import { formatMoney, subtractMoney } from '../../core/money.ts';
import { awaitsSettlement, paymentReference, planPayment } from '../../flows/bill-to-erp/map-payment.ts';
import type { PaymentPayload } from '../../model/payloads.ts';
import type { Bill, BillPaymentApplication } from '../../model/types.ts';
import type { Planner, Planned, StepDefinition, StepRun } from '../../engine/pair.ts';
import { recordInvalid } from '../../engine/failures.ts';
import { getMappings, getMappingsByTarget, type IdMapRow } from '../../store/repos/id-map.ts';
import type { RunContext } from '../../engine/context.ts';
import { ErpBillStates } from './erp-bill-states.ts';

/**
 * Each settled BILL payment applied to a synced bill becomes one ERP payment against the original
 * bill, carrying the BILL ids as its reference. A payment BILL cancels or voids after it was posted
 * is removed from the ERP again; one still on its way stays pending and is read again each run.
 */
class PaymentPlanner implements Planner<BillPaymentApplication, PaymentPayload> {
  /** The ERP bills' current state, read once per run and asked for as soon as a page of payments names them. */
  private readonly states: ErpBillStates;
  /** Reads asked ahead, page after page, so their ids fill whole reads in the order the pages came. */
  private readingAhead: Promise<void> = Promise.resolve();

  constructor(
    private readonly run: StepRun,
    private readonly billsFrom: BillsFrom,
  ) {
    const reader = run.target.read.bill;
    this.states = new ErpBillStates(
      (ids) => {
        if (!reader) throw new Error(`the ${run.target.system} port reads no bills, which the payment step needs`);
        return reader.get(ids);
      },
      reader?.perGet ?? null,
      // An ERP bill that cannot be read now is failed as a bill; its payments go on as for a bill not found.
      (invalid) => recordInvalid(run.ctx, 'bill', invalid, { sourceSystem: run.target.system, targetSystem: run.source.system }),
    );
  }

  /**
   * A page of BILL payments has been read and is still being completed (their vendors' currencies):
   * the ERP bills its settled, not yet posted payments pay are asked for now, so that read and the
   * next page's overlap instead of following them (issue 12: payments back's chain is read the
   * payments → read the ERP bills → post).
   */
  ahead(records: readonly Partial<BillPaymentApplication>[], last: boolean): void {
    const settled = records.filter((r): r is Partial<BillPaymentApplication> & { id: string; billId: string } => typeof r.id === 'string' && typeof r.billId === 'string' && r.state === 'settled');
    this.readingAhead = this.readingAhead
      .then(async () => {
        const seen = await getMappings(this.run.ctx.db, this.run.key, settled.map((r) => r.id));
        const bills = await this.billLinks(settled.filter((r) => !seen.has(r.id)));
        this.states.ahead([...bills.values()].map((b) => b.ledgerBillId), last);
      })
      // Only a head start: planning reads whatever this did not.
      .catch((e: unknown) => this.run.ctx.log.debug({ link: this.run.ctx.link.name, err: e instanceof Error ? e.message : String(e) }, 'reading ERP bills ahead of planning failed; they are read when planned'));
  }

  /** The link rows of the BILL bills these payments pay, by BILL bill id, and the ledger bill each names. */
  private async billLinks(apps: readonly Pick<BillPaymentApplication, 'billId'>[]): Promise<Map<string, { row: IdMapRow; ledgerBillId: string }>> {
    const { ctx } = this.run;
    const key = { link: ctx.link.name, entity: 'bill' };
    const billIds = apps.map((a) => a.billId);
    const rows = this.billsFrom === 'erp' ? await getMappingsByTarget(ctx.db, key, billIds) : await getMappings(ctx.db, key, billIds);
    const out = new Map<string, { row: IdMapRow; ledgerBillId: string }>();
    for (const [billId, row] of rows) {
      const ledgerBillId = this.billsFrom === 'erp' ? row.source_id : row.target_id;
      if (ledgerBillId && (this.billsFrom === 'erp' || row.state === 'linked')) out.set(billId, { row, ledgerBillId });
    }
    return out;
  }

  async plan(apps: readonly BillPaymentApplication[], posted: ReadonlyMap<string, IdMapRow>): Promise<Planned<PaymentPayload>[]> {
    let bills = await this.billLinks(apps);
    // BILL → ledger: a payment may arrive before its bill was synced (a webhook, or a bill that
    // failed until its account was mapped): that bill is synced first, as bills ensure vendors.
    const unsynced = this.billsFrom === 'bill' ? [...new Set(apps.filter((a) => !bills.has(a.billId)).map((a) => a.billId))] : [];
    if (unsynced.length > 0) {
      await this.run.ensure('bill', unsynced);
      bills = await this.billLinks(apps);
    }
    const erpBills = await this.currentErpBills(apps, bills, posted);
    return apps.map((app) => {
      const billRow = bills.get(app.billId);
      const postedRow = posted.get(app.id);
      const erpBill = billRow ? erpBills.get(billRow.ledgerBillId) : undefined;
      const d = planPayment(app, {
        erpBill: billRow
          ? erpBill
            ? { id: erpBill.id, status: erpBill.status, amountDue: erpBill.amountDue, open: erpBill.status === 'approved' }
            // Not readable now (deleted on the ERP, or a read failure): the ERP's own checks decide.
            : { id: billRow.ledgerBillId, status: 'unknown', amountDue: null, open: true }
          : null,
        posted: postedRow?.state === 'linked' ? { targetId: postedRow.target_id! } : null,
      });
      // Payments planned earlier in this batch use up the balance the next one sees.
      if (d.kind === 'create' && erpBill && erpBill.amountDue.currency === app.amount.currency) {
        erpBill.amountDue = subtractMoney(erpBill.amountDue, app.amount);
        if (erpBill.amountDue.minor === 0n) erpBill.status = 'paid';
      }
      // A payment still on its way is pending: read again by id on every run until it settles.
      // A payment on a BILL bill the ledger does not hold yet waits with it: read again each run until the bill syncs.
      const waitsForBill = this.billsFrom === 'bill' && !billRow && app.state !== 'cancelled';
      if (d.kind === 'unchanged' || d.kind === 'skip') return { ...d, pending: waitsForBill || (awaitsSettlement(app.state) && (d.kind === 'unchanged' || Boolean(billRow))) };
      return d;
    });
  }

  /**
   * The ERP bills that payments about to be posted are for, read as they are now: a bill voided or
   * paid by hand on the ERP, or with less outstanding than BILL paid, is a conflict for the user,
   * not a refused write. One read per 50 bills (e.g. Xero GET /Invoices?IDs=), each bill once per
   * run (ErpBillStates), most of them already asked for while the page was being read (`ahead`).
   */
  private async currentErpBills(apps: readonly BillPaymentApplication[], bills: Map<string, { ledgerBillId: string }>, posted: ReadonlyMap<string, IdMapRow>): Promise<Map<string, Bill>> {
    const wanted = new Set<string>();
    for (const app of apps) {
      const billRow = bills.get(app.billId);
      if (billRow && app.state === 'settled' && posted.get(app.id)?.state !== 'linked') wanted.add(billRow.ledgerBillId);
    }
    if (wanted.size === 0) return new Map();
    return this.states.get(wanted);
  }
}

/**
 * Which side the pair's bill step reads bills from: 'erp' (ERP → BILL: the BILL bill is the link's
 * target) or 'bill' (BILL → ledger: the BILL bill is its source, the ledger's record its target).
 */
export type BillsFrom = 'erp' | 'bill';

/**
 * The payment step of a pair with BILL (BILL payments recorded on the ledger against the bill
 * linked to the BILL bill they pay; `billsFrom` says which way the bills went). `writeOptions` says where the ERP takes payments (a bank
 * account, a cash account and payment method) from the link's settings; it throws MLC_ERR_CONFIG
 * saying how to set them when they are missing.
 */
export const paymentStepWith = (writeOptions: (ctx: RunContext) => unknown, billsFrom: BillsFrom = 'erp'): StepDefinition<BillPaymentApplication, PaymentPayload> => ({
  entity: 'payment',
  from: 'bill',
  to: 'erp',
  targetEntity: 'payment',
  stream: 'bill.payments',
  // A payment is posted against the ERP bill its BILL bill came from: bills are linked first.
  dependsOn: ['bill'],
  // Money has moved: the ledger should show it within seconds, ahead of bulk work on the same key.
  callClass: 'interactive',
  label: paymentReference,
  matchKey: (p) => p.reference,
  planner: (run) => new PaymentPlanner(run, billsFrom),
  writeOptions,
  linkExtra: (app, p) => ({ amount: formatMoney(app.amount), currency: app.amount.currency, erpBillId: p.erpBillId }),
  rereadPending: true,
  // A payment application is read again through its payment, named in its reference.
  labelOfIntent: (intent) => intent.match_key,
  texts: {
    createReason: (app, dryRun) => (dryRun ? `post ${formatMoney(app.amount)} ${app.amount.currency} against the ERP bill` : 'settled in BILL'),
    updateReason: 'payment changed in BILL',
    created: 'posted to the ERP',
    deleted: (reason) => `ERP payment removed: ${reason}`,
  },
});
