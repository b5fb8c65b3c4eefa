import { redactText } from '../../../core/redact.ts';
import { systemIds } from '../../../model/types.ts';
import { listConnections } from '../../../store/repos/connections.ts';
import { listLinks } from '../../../store/repos/links.ts';
import { listRecords, type RecordRow, type RecordStatus } from '../../../store/repos/records.ts';
import { field, type Dashboard } from '../context.ts';
import { badge, countsSummary, systemName, timeCell } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { csrfField, noticeWith, page, type PageContext } from '../layout.ts';
import { explain } from '../plain-words.ts';
import { describePayment, paymentFacts } from '../payments.ts';
import { activityMarks, currentActivity, jobOutcome, type JobOutcome } from '../work.ts';
import { conflictsTable } from './conflicts.ts';

const statusChoices: Record<string, { label: string; statuses: RecordStatus[] }> = {
  attention: { label: 'Needs attention (failed or conflict)', statuses: ['failed', 'conflict'] },
  failed: { label: 'Failed', statuses: ['failed'] },
  conflict: { label: 'Conflict', statuses: ['conflict'] },
  skipped: { label: 'Skipped', statuses: ['skipped'] },
  pending: { label: 'Pending', statuses: ['pending'] },
  synced: { label: 'Synced', statuses: ['synced'] },
  all: { label: 'Any status', statuses: [] },
};
const entityChoices = ['bill', 'vendor', 'payment', 'account'] as const;
const pageSize = 100;

const option = (value: string, label: string, selected: string) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;

/**
 * Replay and Skip for one record; `back` brings the person to the page they pressed them on. The
 * primary Replay is for what needs a person (failed, conflict); a skipped record keeps a plain
 * Replay to bring it back; a synced or pending one has nothing to press (its next change syncs it).
 */
export function recordActions(ctx: PageContext, r: Pick<RecordRow, 'link' | 'entity' | 'source_id' | 'label' | 'status'>, back: string): Html {
  const name = r.label ?? r.source_id;
  const attention = r.status === 'failed' || r.status === 'conflict';
  if (!attention && r.status !== 'skipped') return html``;
  const common = html`${csrfField(ctx)}<input type="hidden" name="link" value="${r.link}"><input type="hidden" name="entity" value="${r.entity}">
    <input type="hidden" name="id" value="${r.source_id}"><input type="hidden" name="back" value="${back}">`;
  return html`<div class="actions">
    <form method="post" action="${ctx.base}/records/replay">${common}<button type="submit" class="${attention ? 'primary replay' : 'replay'}">Replay<span class="visually-hidden"> ${name}</span></button></form>
    ${attention
      ? html`<form method="post" action="${ctx.base}/records/skip">${common}<button type="submit" class="skip">Skip<span class="visually-hidden"> ${name}</span></button></form>`
      : ''}
  </div>`;
}

/** What came of a replay pressed on the list: queued, or what its run did. */
export function replayRunNotice(outcome: JobOutcome): Html {
  if (outcome.state === 'waiting') return noticeWith('info', 'Replay queued. This page updates when it finishes.');
  if (outcome.state === 'failed') return noticeWith('bad', `The replay could not run: ${redactText(outcome.message)}`);
  const { status, counts } = outcome.output;
  return noticeWith(status === 'succeeded' ? 'good' : 'bad', `Replay finished (${status}): ${countsSummary(counts)}.`);
}

/**
 * The plain-words reason, the engine's own message (it names the line, account or field at fault)
 * with its code, and what to do.
 */
export function reasonCell(r: Pick<RecordRow, 'error_code' | 'status' | 'reason' | 'error_message'>): Html {
  const plain = explain(r.error_code, r.status, r.reason);
  const detail = r.error_message ? redactText(r.error_message) : null;
  return html`<p class="reason">${plain.what}</p>
    ${detail && detail !== plain.what ? html`<p class="detail">${detail}${r.error_code ? html` <code>${r.error_code}</code>` : ''}</p>` : ''}
    ${plain.fix ? html`<p class="fix">${plain.fix}</p>` : ''}`;
}

export function registerRecords(d: Dashboard): void {
  const { app, services, base } = d;
  app.get('/records', async (request, reply) => {
    const q = request.query;
    const link = field(q, 'link') ?? '';
    const statusKey = statusChoices[field(q, 'status') ?? ''] ? field(q, 'status')! : 'attention';
    const system = (systemIds as readonly string[]).includes(field(q, 'system') ?? '') ? field(q, 'system')! : '';
    const entity = (entityChoices as readonly string[]).includes(field(q, 'entity') ?? '') ? field(q, 'entity')! : '';
    const pageNumber = Math.max(1, Math.min(1000, Number.parseInt(field(q, 'page') ?? '1', 10) || 1));
    const [links, rows, activity, connections] = await Promise.all([
      listLinks(services.db),
      listRecords(services.db, {
        ...(link ? { link } : {}), status: statusChoices[statusKey]!.statuses, ...(entity ? { entity } : {}), ...(system ? { sourceSystem: system } : {}),
        limit: pageSize + 1, offset: (pageNumber - 1) * pageSize,
      }),
      currentActivity(services),
      listConnections(services.db),
    ]);
    // Only the systems this installation is connected to can be where a record came from.
    const connected = systemIds.filter((s) => connections.some((c) => c.system === s) || s === system);
    const [outcome, payments] = await Promise.all([jobOutcome(services, field(q, 'job')), paymentFacts(services, rows.slice(0, pageSize))]);
    const ctx = d.pageContext(request, { ...activityMarks(activity), awaiting: outcome?.state === 'waiting' });
    const filters = { link, status: statusKey, system, entity };
    const back = href(`${base}/records`, filters);
    const now = new Date();
    const shown = rows.slice(0, pageSize);
    const failedLinks = link ? [link] : [...new Set(shown.filter((r) => r.status === 'failed').map((r) => r.link))];

    const form = html`<form method="get" action="${base}/records" class="filters" role="search" aria-label="Filter records">
      <div><label for="f-link">Link</label><select id="f-link" name="link">${option('', 'All links', link)}${links.map((l) => option(l.name, l.name, link))}</select></div>
      <div><label for="f-status">Status</label><select id="f-status" name="status">${Object.entries(statusChoices).map(([k, v]) => option(k, v.label, statusKey))}</select></div>
      <div><label for="f-system">From system</label><select id="f-system" name="system">${option('', 'Any system', system)}${connected.map((s) => option(s, systemName(s), system))}</select></div>
      <div><label for="f-entity">Kind</label><select id="f-entity" name="entity">${option('', 'Any kind', entity)}${entityChoices.map((e) => option(e, e, entity))}</select></div>
      <div><button type="submit">Filter</button></div>
    </form>`;

    // Conflicts get a list of their own: what changed on which side, what to do, both sides' ids.
    const conflictsOnly = statusKey === 'conflict';
    const table = shown.length === 0
      ? html`<p class="empty">${statusKey === 'attention' ? 'Nothing needs attention. Every record synced or was skipped on purpose.' : conflictsOnly ? 'No conflicts: nothing was changed behind the connector\'s back.' : 'No records match these filters.'}</p>`
      : conflictsOnly
      ? conflictsTable(ctx, shown, new Map(links.map((l) => [l.name, l])), (r) => recordActions(ctx, r, back), now)
      : html`<div class="table-wrap"><table class="records stack">
        <caption class="visually-hidden">Records</caption>
        <thead><tr><th scope="col">Record</th><th scope="col">Status</th><th scope="col">Why</th><th scope="col">Tries</th><th scope="col">Updated</th><th scope="col">Actions</th></tr></thead>
        <tbody>${shown.map((r) => {
          const facts = payments.get(r.source_id);
          const named = facts ? { ...r, label: describePayment(facts) } : r;
          return html`<tr data-record="${r.source_id}">
          <th scope="row"><a href="${href(`${base}/record`, { link: r.link, entity: r.entity, id: r.source_id })}">${named.label ?? r.source_id}</a>
            <br><span class="muted">${r.entity} from ${systemName(r.source_system)} · ${r.link}</span>${facts && r.label ? html`<br><span class="id">${r.label}</span>` : ''}</th>
          <td data-label="Status">${badge(r.status)}</td>
          <td class="why" data-label="Why">${reasonCell(r)}</td>
          <td data-label="Tries">${r.attempts}</td>
          <td data-label="Updated">${timeCell(r.updated_at, now)}</td>
          <td>${recordActions(ctx, named, back)}</td>
        </tr>`;
        })}</tbody></table></div>`;

    const pager = html`<nav class="pager" aria-label="Pages">
      ${pageNumber > 1 ? html`<a href="${href(`${base}/records`, { ...filters, page: String(pageNumber - 1) })}">Previous page</a>` : ''}
      ${rows.length > pageSize ? html`<a href="${href(`${base}/records`, { ...filters, page: String(pageNumber + 1) })}">Next page</a>` : ''}
    </nav>`;

    const bulk = failedLinks.map((name) => html`<form method="post" action="${base}/links/${encodeURIComponent(name)}/replay-failed">${csrfField(ctx)}
      <input type="hidden" name="back" value="${back}"><button type="submit">Replay every failed record of ${name}</button></form>`);

    const body = html`${form}${table}${pager}${bulk.length > 0 ? html`<div class="actions bulk">${bulk}</div>` : ''}`;
    const title = conflictsOnly ? (link ? `Conflicts on ${link}` : 'Conflicts') : 'Records';
    return d.send(reply, page(ctx, title, body, { notice: field(q, 'notice'), ...(outcome ? { outcome: replayRunNotice(outcome) } : {}) }));
  });
}
