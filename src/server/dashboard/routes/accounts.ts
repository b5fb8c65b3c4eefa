import { asConnectorError } from '../../../core/errors.ts';
import { redactText } from '../../../core/redact.ts';
import { entities } from '../../../engine/link.ts';
import type { Link } from '../../../model/link.ts';
import type { GlAccount } from '../../../model/types.ts';
import { listLinked } from '../../../store/repos/id-map.ts';
import type { ServerServices } from '../../contract.ts';
import { field, type Dashboard } from '../context.ts';
import { missingAccountText, systemName } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { page } from '../layout.ts';
import { explain } from '../plain-words.ts';
import { chooseLink, linkSwitcher } from './link-choice.ts';
import { withLinkSides } from '../../../engine/sides.ts';
import type { LinkSides } from '../../../engine/ports.ts';

export interface Row {
  erp: GlAccount;
  bill: GlAccount | null;
  how: string;
}

const accountName = (a: GlAccount): string => (a.code ? `${a.code} ${a.name}` : a.name);

/**
 * Whether the page judges an account's match: bill lines post to what is bought, the expense kinds
 * (Xero EXPENSE, OVERHEADS, DIRECTCOSTS, DEPRECIATN; to-model.ts). Equity, revenue, bank and the
 * asset and liability kinds (receivable, payable, retained earnings among them) are not what a
 * bill is coded to, so a missing BILL counterpart is no fault there; one a sync has already paired
 * is shown as paired whatever its kind.
 */
export const judged = (r: Row): boolean => r.bill !== null || r.erp.kind === 'expense';

const kindText: Record<GlAccount['kind'], string> = {
  expense: 'expense', asset: 'asset', liability: 'liability', equity: 'equity', revenue: 'revenue', bank: 'bank', other: 'other',
};

/**
 * Both charts read live through the link's clients, paired by the id map (what sync recorded) and,
 * for accounts no sync has paired yet, by the same matcher the sync uses (with the link, for the
 * pairings a person pinned), so the page shows what the next sync will do. The matcher and the id
 * map run in the pair's direction (ERP → BILL, or BILL → a ledger that owns its chart); the page
 * shows each ERP account with its BILL counterpart either way.
 */
export async function pairCharts(services: ServerServices, link: Link, open?: LinkSides): Promise<{ rows: Row[]; onlyInBill: GlAccount[] }> {
  const read = ({ erp, bill: hub }: LinkSides) => Promise.all([erp.chart.list(), hub.chart.list(), listLinked(services.db, { link: link.name, entity: entities.account })]);
  // Sides a page opened already (it reads more than the charts) are used as they are; else opened and closed here.
  const [erpAccounts, billAccounts, linked] = await (open ? read(open) : withLinkSides(services.deps, link, read));
  const { accounts } = services.deps.pairOf(link);
  const erpFirst = accounts.from === 'erp';
  const billById = new Map(billAccounts.map((a) => [a.id, a]));
  /** ERP account id → its BILL account id, however the id map and the matcher are oriented. */
  const mapped = new Map(linked.map((m) => (erpFirst ? [m.source_id, { billId: m.target_id, how: m.match_key }] : [m.target_id ?? '', { billId: m.source_id, how: m.match_key }])));
  const mappedBill = new Set([...mapped.values()].map((m) => m.billId));
  const suggested = new Map(erpFirst
    ? accounts.match(erpAccounts.filter((a) => !mapped.has(a.id)), billAccounts, link).matches.map((m) => [m.sourceId, { billId: m.targetId, by: m.by }])
    : accounts.match(billAccounts.filter((a) => !mappedBill.has(a.id)), erpAccounts, link).matches.map((m) => [m.targetId, { billId: m.sourceId, by: m.by }]));
  const rows = erpAccounts.map((a): Row => {
    const m = mapped.get(a.id);
    if (m?.billId && billById.has(m.billId)) return { erp: a, bill: billById.get(m.billId)!, how: m.how === 'created' ? 'created in BILL by a sync' : `matched by ${m.how ?? 'sync'}` };
    const s = suggested.get(a.id);
    if (s) return { erp: a, bill: billById.get(s.billId) ?? null, how: `matches by ${s.by}; recorded at the next sync` };
    return { erp: a, bill: null, how: '' };
  });
  const used = new Set(rows.map((r) => r.bill?.id).filter(Boolean));
  rows.sort((x, y) => Number(Boolean(x.bill)) - Number(Boolean(y.bill)) || (x.erp.code ?? x.erp.name).localeCompare(y.erp.code ?? y.erp.name));
  return { rows, onlyInBill: billAccounts.filter((a) => a.active && !used.has(a.id)).sort((x, y) => (x.code ?? x.name).localeCompare(y.code ?? y.name)) };
}

export function chartTable(link: Link, rows: Row[], onlyUnmatched: boolean): Html {
  const shown = onlyUnmatched ? rows.filter((r) => !r.bill) : rows;
  const erpName = systemName(link.erpSystem);
  return html`<div class="table-wrap"><table class="accounts stack">
    <caption class="visually-hidden">${erpName} accounts and their BILL counterparts</caption>
    <thead><tr><th scope="col">${erpName} account</th><th scope="col">Kind</th><th scope="col">BILL chart of accounts</th><th scope="col">How</th></tr></thead>
    <tbody>${shown.map((r) => html`<tr class="${r.bill ? 'matched' : 'unmatched'}">
      <th scope="row">${accountName(r.erp)}${r.erp.active ? '' : html` <span class="muted">(archived)</span>`}</th>
      <td data-label="Kind">${r.erp.kind}</td>
      <td data-label="BILL chart of accounts">${r.bill ? accountName(r.bill) : html`<strong class="flag">No match in BILL</strong>`}</td>
      <td data-label="How">${r.bill ? r.how : missingAccountText(link).long}</td>
    </tr>`)}</tbody></table></div>`;
}

export function registerAccounts(d: Dashboard): void {
  const { app, services, base } = d;
  app.get('/accounts', async (request, reply) => {
    const ctx = d.pageContext(request);
    const { links, link } = await chooseLink(services, request.query);
    if (!link) return d.send(reply, page(ctx, 'GL accounts', html`<p class="empty">No such link. Create one with <code>ml-connector link create</code>.</p>`), links.length ? 404 : 200);
    const onlyUnmatched = field(request.query, 'only') === 'unmatched';
    let content: Html;
    try {
      const paired = await pairCharts(services, link);
      const rows = paired.rows.filter(judged);
      const notJudged = paired.rows.filter((r) => !judged(r));
      const { onlyInBill } = paired;
      const unmatched = rows.filter((r) => !r.bill).length;
      content = html`<p class="lead"><strong>${rows.length - unmatched}</strong> of ${rows.length} ${systemName(link.erpSystem)} accounts that bills post to have a BILL account;
          <strong class="${unmatched > 0 ? 'flag' : ''}">${unmatched}</strong> have none.
          ${onlyUnmatched ? html`<a href="${href(`${base}/accounts`, { link: link.name })}">Show all accounts</a>`
            : html`<a href="${href(`${base}/accounts`, { link: link.name, only: 'unmatched' })}">Show only accounts without a match</a>`}</p>
        ${chartTable(link, rows, onlyUnmatched)}
        ${notJudged.length > 0 ? html`<details class="not-judged"><summary>${notJudged.length} other ${systemName(link.erpSystem)} accounts are not checked: bills do not post to them (equity, revenue, bank, receivable, payable and the like)</summary>
          <ul class="columns">${notJudged.map((r) => html`<li>${accountName(r.erp)} <span class="muted">${kindText[r.erp.kind]}</span></li>`)}</ul></details>` : ''}
        <h2>Only in BILL</h2>
        ${onlyInBill.length === 0 ? html`<p class="empty">Every active BILL account has a ${systemName(link.erpSystem)} counterpart.</p>`
          : html`<ul class="columns">${onlyInBill.map((a) => html`<li>${accountName(a)}</li>`)}</ul>`}`;
    } catch (e) {
      const error = asConnectorError(e);
      const plain = explain(error.code, 'failed', null);
      content = html`<div class="notice notice-bad" role="alert"><p>The charts of accounts could not be read: ${plain.what}</p><p>${plain.fix}</p>
        <p class="id">${error.code} ${redactText(error.message)}</p></div>`;
    }
    const body = html`${linkSwitcher(`${base}/accounts`, links, link)}
      <p class="muted">Link ${link.name}: ${systemName(link.erpSystem)} ledger accounts and the BILL chart of accounts they post to. Read live from both systems.</p>
      ${content}`;
    return d.send(reply, page(ctx, 'GL accounts', body));
  });
}
