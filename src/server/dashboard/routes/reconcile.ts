import { redactText } from '../../../core/redact.ts';
import type { Difference } from '../../../engine/reconcile.ts';
import { reconcileThroughQueue } from '../../contract.ts';
import { lastReconcile, type ReconcileOutcome } from '../../worker/reconcile.ts';
import { field, type Dashboard } from '../context.ts';
import { badge, formatTime, systemName } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { csrfField, page, type PageContext } from '../layout.ts';
import { chooseLink, linkSwitcher } from './link-choice.ts';

/**
 * Reconciliation reads both ledgers and changes nothing; a worker runs it as a job in the link's
 * queue (so it keeps BILL's per-organisation limit with the other work) and keeps each link's last
 * report, which this page shows. The button waits for the report, up to reconcileWaitMs.
 */
const reconcileWaitMs = 30_000;

const differenceText: Record<Difference['kind'], string> = {
  missing_in_bill: 'Approved unpaid bill missing in BILL',
  amount_differs: 'Amounts differ',
  duplicate_in_bill: 'More than one BILL bill',
  not_archived: 'Voided in the ERP, still active in BILL',
  payment_not_applied: 'BILL payment not applied in the ERP',
  paid_amount_differs: 'Paid amounts differ',
  payment_escheated: 'BILL payment escheated, not paid to the vendor',
  target_missing: 'BILL bill no longer exists',
  vendor_missing_in_bill: 'Synced supplier has no active BILL vendor',
  duplicate_vendor_in_bill: 'More than one BILL vendor for a supplier',
  missing_in_erp: 'BILL bill missing in the ledger',
  duplicate_in_erp: 'More than one ledger record for a BILL bill',
  not_closed: 'Archived in BILL, still open in the ledger',
  vendor_missing_in_erp: 'Synced BILL vendor has no active ledger vendor',
};

function reportView(ctx: PageContext, linkName: string, erpName: string, saved: ReconcileOutcome): Html {
  if (saved.error || !saved.report) {
    return html`<div class="notice notice-bad" role="alert"><p>The last reconciliation (${formatTime(new Date(saved.at))}) could not finish.</p>
      <p class="id">${saved.error?.code ?? ''} ${redactText(saved.error?.message ?? '')}</p></div>`;
  }
  const r = saved.report;
  const recordLink = (id: string | null) => (id ? html`<a href="${href(`${ctx.base}/record`, { link: linkName, entity: 'bill', id })}" class="id">${id}</a>` : html`<span class="muted">—</span>`);
  const same = (a: string, b: string) => (a === b ? html`<span class="badge badge-good">equal</span>` : html`<span class="badge badge-bad">differ</span>`);
  return html`<p class="verdict ${r.agree ? 'verdict-good' : 'verdict-bad'}" role="status">
      ${r.agree ? 'The ledgers agree.' : `${r.differences.length} difference${r.differences.length === 1 ? '' : 's'}: the ledgers do not agree.`}
      <span class="muted">Checked ${formatTime(new Date(saved.at))}.</span></p>
    <dl class="facts">
      <div><dt>${erpName} bills read</dt><dd>${r.checked.erpBills}</dd></div>
      <div><dt>Linked to BILL</dt><dd>${r.checked.linkedBills}</dd></div>
      <div><dt>BILL bills read</dt><dd>${r.checked.billBills}</dd></div>
      <div><dt>Settled BILL payments</dt><dd>${r.checked.paymentApplications}</dd></div>
      <div><dt>Suppliers linked to BILL vendors</dt><dd>${r.checked.linkedVendors ?? 0}</dd></div>
    </dl>
    <h2>Totals per currency</h2>
    <p class="muted">${erpName} bills due in BILL are the linked ones and the approved unpaid ones missing there; BILL bills are the ones they are linked to and any duplicates.</p>
    <div class="table-wrap"><table class="totals stack">
      <thead><tr><th scope="col">Currency</th><th scope="col" class="num">${erpName} bills due in BILL</th><th scope="col" class="num">BILL bills</th><th scope="col"><span class="visually-hidden">Bills compared</span></th>
        <th scope="col" class="num">Paid in BILL</th><th scope="col" class="num">Paid in ${erpName}</th><th scope="col"><span class="visually-hidden">Payments compared</span></th></tr></thead>
      <tbody>${Object.entries(r.totals).sort(([a], [b]) => a.localeCompare(b)).map(([currency, t]) => html`<tr>
        <th scope="row">${currency}</th><td class="num" data-label="${erpName} bills due in BILL">${t.erp ?? t.erpLinked}</td><td class="num" data-label="BILL bills">${t.bill}</td><td data-label="Bills compared">${same(t.erp ?? t.erpLinked, t.bill)}</td>
        <td class="num" data-label="Paid in BILL">${t.paidInBill}</td><td class="num" data-label="Paid in ${erpName}">${t.paidInErp}</td><td data-label="Payments compared">${same(t.paidInBill, t.paidInErp)}</td></tr>`)}</tbody>
    </table></div>
    ${r.differences.length > 0 ? html`<h2>Differences</h2><div class="table-wrap"><table class="differences stack">
      <thead><tr><th scope="col">What</th><th scope="col">${erpName} bill</th><th scope="col">BILL bill</th><th scope="col">Detail</th></tr></thead>
      <tbody>${r.differences.map((x) => html`<tr><th scope="row">${differenceText[x.kind]}</th><td data-label="${erpName} bill">${recordLink(x.erpBillId)}</td>
        <td data-label="BILL bill">${x.billId ? html`<span class="id">${x.billId}</span>` : html`<span class="muted">—</span>`}</td><td data-label="Detail">${x.detail}</td></tr>`)}</tbody>
    </table></div>` : ''}`;
}

export function registerReconcile(d: Dashboard): void {
  const { app, services, base } = d;

  app.get('/reconcile', async (request, reply) => {
    const ctx = d.pageContext(request);
    const { links, link } = await chooseLink(services, request.query);
    if (!link) return d.send(reply, page(ctx, 'Reconcile', html`<p class="empty">No such link. Create one with <code>ml-connector link create</code>.</p>`), links.length ? 404 : 200);
    const saved = await lastReconcile(services.db, link.name);
    const erpName = systemName(link.erpSystem);
    const body = html`${linkSwitcher(`${base}/reconcile`, links, link)}
      <p class="muted">Reads every bill on both sides of link ${link.name} and every settled BILL payment, and checks that each eligible ${erpName} bill has exactly one BILL bill with the same amount and that payments made in BILL show in ${erpName}. Nothing is changed.</p>
      <form method="post" action="${base}/reconcile">${csrfField(ctx)}<input type="hidden" name="link" value="${link.name}">
        <button type="submit" class="primary">Reconcile ${link.name} now</button></form>
      ${saved ? reportView(ctx, link.name, erpName, saved) : html`<p class="empty">Not reconciled yet. ${badge('pending')}</p>`}`;
    return d.send(reply, page(ctx, 'Reconcile', body, { notice: field(request.query, 'notice') }));
  });

  app.post('/reconcile', async (request, reply) => {
    const { link } = await chooseLink(services, { link: field(request.body, 'link') ?? '' });
    if (!link) return d.redirect(reply, '/reconcile', { notice: 'unknown-link' });
    // The worker saves the outcome as the link's last reconciliation, which the page then shows.
    const { outcome } = await reconcileThroughQueue(services, link, reconcileWaitMs);
    const notice = !outcome ? 'reconcile-queued' : outcome.error ? 'reconcile-failed' : 'reconciled';
    return d.redirect(reply, '/reconcile', { link: link.name, notice });
  });
}
