import { redactText } from '../../../core/redact.ts';
import type { Link } from '../../../model/link.ts';
import { hubSystemId } from '../../../systems/registry.ts';
import type { RecordRow } from '../../../store/repos/records.ts';
import { systemName, timeCell } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import type { PageContext } from '../layout.ts';
import { conflictSteps } from '../plain-words.ts';

/** The side a record was written to: the other side of its link from where it was read. */
export const targetSystemOf = (r: Pick<RecordRow, 'source_system'>, link: Pick<Link, 'erpSystem'> | undefined): string | null =>
  link ? (r.source_system === link.erpSystem ? hubSystemId : link.erpSystem) : null;

/**
 * The records page filtered to conflicts: each record as a person knows it, what changed on which
 * side and what to do, in the words the step wrote (it names the record on both sides and the
 * choices), then the general choices, both sides' ids, and Replay and Skip. A conflict is never
 * resolved by the connector on its own: a person picks the side that is right.
 */
export function conflictsTable(ctx: PageContext, rows: readonly RecordRow[], links: ReadonlyMap<string, Link>, actions: (r: RecordRow) => Html, now: Date): Html {
  return html`<div class="table-wrap"><table class="records conflicts stack">
    <caption class="visually-hidden">Conflicts</caption>
    <thead><tr><th scope="col">Record</th><th scope="col">What changed, and what to do</th><th scope="col">Ids</th><th scope="col">Since</th><th scope="col">Actions</th></tr></thead>
    <tbody>${rows.map((r) => {
      const target = targetSystemOf(r, links.get(r.link));
      const steps = conflictSteps(systemName(r.source_system), target ? systemName(target) : 'the other system');
      const message = r.error_message ?? r.reason;
      return html`<tr data-record="${r.source_id}">
        <th scope="row"><a href="${href(`${ctx.base}/record`, { link: r.link, entity: r.entity, id: r.source_id })}">${r.label ?? r.source_id}</a>
          <br><span class="muted">${r.entity} from ${systemName(r.source_system)} · ${r.link}</span></th>
        <td class="why" data-label="What changed, and what to do">
          ${message ? html`<p class="detail">${redactText(message)}</p>` : html`<p class="reason">${steps.what}</p>`}
          <p class="fix">${steps.fix}</p></td>
        <td data-label="Ids"><span class="muted">${systemName(r.source_system)}</span> <span class="id" data-side="source">${r.source_id}</span>
          ${target ? html`<br><span class="muted">${systemName(target)}</span> <span class="id" data-side="target">${r.target_id ?? 'none'}</span>` : ''}</td>
        <td data-label="Since">${timeCell(r.updated_at, now)}</td>
        <td>${actions(r)}</td>
      </tr>`;
    })}</tbody></table></div>`;
}
