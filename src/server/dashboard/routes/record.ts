import { hubSystemId } from '../../../systems/registry.ts';
import { redactText, redactValue } from '../../../core/redact.ts';
import { auditTrail, type AuditRow } from '../../../store/repos/audit.ts';
import { getMappings } from '../../../store/repos/id-map.ts';
import { getLink } from '../../../store/repos/links.ts';
import { findRecord, type RecordRow } from '../../../store/repos/records.ts';
import { field, type Dashboard } from '../context.ts';
import { badge, systemName, timeCell } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { noticeWith, page } from '../layout.ts';
import { explain } from '../plain-words.ts';
import { describePayment, paymentFacts } from '../payments.ts';
import { activityMarks, currentActivity, jobOutcome, type JobOutcome } from '../work.ts';
import { reasonCell, recordActions, replayRunNotice } from './records.ts';

/** Stored payloads are redacted on write; they are redacted again here in case a secret was registered since. */
const pretty = (v: unknown): string => JSON.stringify(redactValue(v), null, 2);

const stepText: Record<string, string> = {
  read: 'read from the source', planned: 'planned', matched: 'matched an existing record', created: 'created on the target',
  updated: 'updated on the target', archived: 'archived on the target', deleted: 'deleted on the target', linked: 'linked',
  skipped: 'skipped', failed: 'not written', conflict: 'left for a person to decide', unchanged: 'unchanged',
};

function trailItem(e: AuditRow, now: Date): Html {
  const outcomeTone = e.outcome === 'ok' ? 'synced' : e.outcome;
  return html`<li class="trail-item">
    <div class="trail-head">${timeCell(e.at, now)} ${badge(outcomeTone)} <strong>${stepText[e.step] ?? e.step}</strong>
      <span class="muted">${systemName(e.source_system)}${e.target_system ? html` → ${systemName(e.target_system)}` : ''}${e.run_id ? html` · run ${e.run_id}` : ' · by a person'}</span></div>
    <dl class="facts small">
      ${e.source_version ? html`<div><dt>Source version read</dt><dd>${e.source_version}</dd></div>` : ''}
      ${e.target_id ? html`<div><dt>Target id</dt><dd class="id">${e.target_id}</dd></div>` : ''}
      ${e.error_code ? html`<div><dt>Error code</dt><dd class="id">${e.error_code}</dd></div>` : ''}
    </dl>
    ${e.message ? html`<p>${redactText(e.message)}</p>` : ''}
    ${e.payload != null ? html`<details><summary>Payload sent</summary><pre>${pretty(e.payload)}</pre></details>` : ''}
    ${e.response != null ? html`<details><summary>Target response</summary><pre>${typeof e.response === 'string' ? redactText(e.response) : pretty(e.response)}</pre></details>` : ''}
  </li>`;
}

/**
 * What came of the replay pressed on this page, from the record's events in the replay's run (not
 * only its try count): what was done, and where the record stands now.
 */
function replayNotice(outcome: JobOutcome, record: RecordRow, trail: AuditRow[]): Html {
  if (outcome.state !== 'done') return replayRunNotice(outcome);
  const events = trail.filter((e) => e.run_id === outcome.output.runId);
  const last = events[events.length - 1];
  if (!last) return noticeWith('info', 'Replay finished: there was nothing to replay for this record.');
  const done = stepText[last.step] ?? last.step;
  if (record.status === 'synced') return noticeWith('good', `Replay finished: ${done}. The record is synced.`);
  if (record.status === 'failed') return noticeWith('bad', `Replay finished: it failed again. ${explain(record.error_code, record.status, record.reason).what}`);
  if (record.status === 'conflict') return noticeWith('bad', 'Replay finished: the two systems still disagree; a person must decide.');
  return noticeWith('info', `Replay finished: ${done}. The record is ${record.status}.`);
}

export function registerRecord(d: Dashboard): void {
  const { app, services, base } = d;
  app.get('/record', async (request, reply) => {
    const linkName = field(request.query, 'link') ?? '';
    const entity = field(request.query, 'entity') ?? '';
    const id = field(request.query, 'id') ?? '';
    const [link, found, activity] = await Promise.all([getLink(services.db, linkName), id ? findRecord(services.db, id) : [], currentActivity(services)]);
    const record = found.find((r) => r.link === linkName && (!entity || r.entity === entity));
    const outcome = await jobOutcome(services, field(request.query, 'job'));
    const ctx = d.pageContext(request, { ...activityMarks(activity), awaiting: outcome?.state === 'waiting' });
    if (!link || !record) {
      return d.send(reply, page(ctx, 'Record not found', html`<p class="empty">No record <code>${id}</code> on link <code>${linkName}</code>.
        <a href="${base}/records">Back to records</a></p>`), 404);
    }
    // A record goes from the side it was read on to the other side of its link.
    const targetSystem = record.source_system === link.erpSystem ? hubSystemId : link.erpSystem;
    const mapping = (await getMappings(services.db, { link: link.name, entity: record.entity }, [record.source_id])).get(record.source_id);
    const targetId = record.target_id ?? mapping?.target_id ?? null;
    const trail = (await auditTrail(services.db, record.source_id, link.name)).filter((e) => e.entity === record.entity);
    const now = new Date();
    const back = href(`${base}/record`, { link: link.name, entity: record.entity, id: record.source_id });
    const needsAttention = record.status === 'failed' || record.status === 'conflict';
    const facts = (await paymentFacts(services, [record])).get(record.source_id);
    const title = facts ? describePayment(facts) : record.label ?? record.source_id;

    const body = html`<p class="lead">${badge(record.status)} <span class="muted">${record.entity} on link ${link.name}</span></p>
      <dl class="facts ids">
        <div><dt>${systemName(record.source_system)} id (source)</dt><dd class="id" data-side="source">${record.source_id}</dd></div>
        <div><dt>${systemName(targetSystem)} id (target)</dt><dd class="id" data-side="target">${targetId ?? 'not created yet'}</dd></div>
        ${facts && record.label ? html`<div><dt>Reference</dt><dd class="id">${record.label}</dd></div>` : ''}
        <div><dt>Tries</dt><dd>${record.attempts}</dd></div>
        <div><dt>Updated</dt><dd>${timeCell(record.updated_at, now)}</dd></div>
        ${mapping ? html`<div><dt>Id map</dt><dd>${mapping.state}${record.entity === 'account' && mapping.match_key ? ` (${mapping.match_key})` : ''}</dd></div>` : ''}
      </dl>
      <section aria-labelledby="h-why" class="${needsAttention ? 'card problem' : 'card'}"><h2 id="h-why">${needsAttention ? 'What went wrong' : 'Last outcome'}</h2>
        ${reasonCell(record)}
        ${recordActions(ctx, { ...record, label: title }, back)}
      </section>
      <section aria-labelledby="h-trail"><h2 id="h-trail">Trail across ${systemName(record.source_system)} and ${systemName(targetSystem)}</h2>
        ${trail.length > 0 ? html`<ol class="trail">${trail.map((e) => trailItem(e, now))}</ol>` : html`<p class="empty">No audit events for this record yet.</p>`}
      </section>
      <p><a href="${href(`${base}/records`, { link: link.name })}">Back to the records of ${link.name}</a></p>`;
    return d.send(reply, page(ctx, title, body, { notice: field(request.query, 'notice'), ...(outcome ? { outcome: replayNotice(outcome, record, trail) } : {}) }));
  });
}
