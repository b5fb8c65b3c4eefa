import type { Link } from '../../../model/link.ts';
import { listConnections, type ConnectionRow } from '../../../store/repos/connections.ts';
import { listLinks } from '../../../store/repos/links.ts';
import { countByStatus, type RecordStatus } from '../../../store/repos/records.ts';
import { listRuns, type RunRow } from '../../../store/repos/runs.ts';
import { field, type Dashboard } from '../context.ts';
import { badge, countsSummary, duration, linkDirection, missingAccountText, parseDbTime, relative, systemName, timeCell } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { csrfField, page, type PageContext } from '../layout.ts';
import { activityMarks, currentActivity, type Activity } from '../work.ts';

function connectionsTable(rows: ConnectionRow[], now: Date): Html {
  if (rows.length === 0) return html`<p class="empty">No connections yet. Connect your ledger and BILL on the <a href="/connect">Connect</a> page or with <code>ml-connector connect</code>.</p>`;
  return html`<div class="table-wrap"><table class="stack">
    <caption class="visually-hidden">Connections</caption>
    <thead><tr><th scope="col">System</th><th scope="col">Organisation</th><th scope="col">Health</th><th scope="col">Token expires</th><th scope="col">Last success</th></tr></thead>
    <tbody>${rows.map((c) => {
      const expires = parseDbTime(c.token_expires_at);
      return html`<tr>
        <th scope="row">${systemName(c.system)}</th>
        <td data-label="Organisation">${c.label ?? c.tenant_id ?? c.id}${c.tenant_id && c.label !== c.tenant_id ? html`<br><span class="id">${c.tenant_id}</span>` : ''}</td>
        <td data-label="Health">${badge(c.status)}${c.status === 'needs_reconnect'
          ? html`<p class="reason">${c.status_reason ?? 'The connection must be made again.'} Connect the account again with <code>ml-connector connect ${c.system}</code>.</p>`
          : ''}</td>
        <td data-label="Token expires">${expires ? html`${timeCell(c.token_expires_at, now)} <span class="muted">(${relative(expires, now)})</span>` : html`<span class="muted">renewed at each sign-in</span>`}</td>
        <td data-label="Last success">${timeCell(c.last_success_at, now)}</td>
      </tr>`;
    })}</tbody></table></div>`;
}

function linkCard(ctx: PageContext, link: Link, counts: Record<string, Record<RecordStatus, number>>, activity: Activity): Html {
  const total = (s: RecordStatus) => Object.values(counts).reduce((n, c) => n + c[s], 0);
  const attention = total('failed') + total('conflict');
  const waiting = activity.waiting.filter((w) => w.link === link.name);
  const running = activity.running.filter((r) => r.link === link.name);
  return html`<article class="card link-card" aria-labelledby="${domId('link', link.name)}">
    <h3 id="${domId('link', link.name)}">${link.name} <span class="muted">${linkDirection(link)}</span></h3>
    <dl class="facts">
      <div><dt>Pair</dt><dd>${link.pair}</dd></div>
      <div><dt>Synced</dt><dd>${total('synced')}</dd></div>
      <div><dt>Need attention</dt><dd>${attention > 0
        ? html`<a href="${href(`${ctx.base}/records`, { link: link.name })}">${attention}<span class="visually-hidden"> records of ${link.name} need attention</span></a>` : '0'}</dd></div>
      <div><dt>Conflicts</dt><dd>${total('conflict') > 0
        ? html`<a href="${href(`${ctx.base}/records`, { link: link.name, status: 'conflict' })}">${total('conflict')}<span class="visually-hidden"> conflicts on ${link.name}</span></a>` : '0'}</dd></div>
      <div><dt>Skipped</dt><dd>${total('skipped')}</dd></div>
      <div><dt>Missing GL accounts</dt><dd>${missingAccountText(link).short}</dd></div>
    </dl>
    ${running.map((r) => html`<p>${badge('running')} ${r.kind}${r.eta ? html` <span class="muted eta">${r.eta}</span>` : ''}</p>`)}
    ${waiting.map((w) => html`<p>${badge('queued')} ${w.detail}${w.eta ? html` <span class="muted eta">${w.eta}</span>` : ''}</p>`)}
    <div class="actions">
      <form method="post" action="${ctx.base}/links/${encodeURIComponent(link.name)}/sync">${csrfField(ctx)}
        <button type="submit" class="primary">Sync now<span class="visually-hidden"> ${link.name}</span></button></form>
      <a href="${href(`${ctx.base}/records`, { link: link.name, status: 'conflict' })}">Conflicts<span class="visually-hidden"> on ${link.name}</span></a>
      <a href="${href(`${ctx.base}/accounts`, { link: link.name })}">GL accounts</a>
      <a href="${href(`${ctx.base}/reconcile`, { link: link.name })}">Reconcile</a>
    </div>
  </article>`;
}

function activityList(activity: Activity): Html {
  const items = [
    ...activity.running.map((r) => html`<li data-run="${r.id}">${badge('running')} <strong>${r.link}</strong> ${r.kind}
      <span class="progress-note">${progressText(r.progress)}</span>${r.eta ? html` <span class="muted eta">${r.eta}</span>` : ''}</li>`),
    ...activity.waiting.map((w) => html`<li data-job="${w.jobId}">${badge('queued')} <strong>${w.link}</strong> ${w.detail}${w.eta ? html` <span class="muted eta">${w.eta}</span>` : ''}</li>`),
  ];
  return html`<ul id="activity" class="activity">${items.length > 0 ? items : html`<li class="muted">Nothing is running.</li>`}</ul>`;
}

const domId = (prefix: string, name: string): string => `${prefix}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

export function progressText(p: Record<string, unknown> | null): string {
  if (!p) return 'starting…';
  const step = typeof p.step === 'string' ? p.step : 'working';
  const done = typeof p.done === 'number' ? ` · ${p.done} done` : '';
  const note = typeof p.note === 'string' ? ` · ${p.note}` : '';
  return `${step}${done}${note}`;
}

function runsTable(ctx: PageContext, runs: RunRow[], now: Date): Html {
  if (runs.length === 0) return html`<p class="empty">No runs yet.</p>`;
  return html`<div class="table-wrap"><table class="stack">
    <caption class="visually-hidden">Last runs</caption>
    <thead><tr><th scope="col">Started</th><th scope="col">Link</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Took</th><th scope="col">Counts</th></tr></thead>
    <tbody>${runs.map((r) => html`<tr>
      <td data-label="Started">${timeCell(r.started_at, now)}</td>
      <td data-label="Link">${r.link}</td>
      <td data-label="Kind">${r.kind}</td>
      <td data-label="Status">${badge(r.status)}${r.error_code ? html`<br><span class="id">${r.error_code}</span>` : ''}</td>
      <td data-label="Took">${duration(r.started_at, r.finished_at)}</td>
      <td class="counts" data-label="Counts">${countsSummary(r.counts)}${r.status === 'partial' || r.status === 'failed' || r.status === 'interrupted'
        ? html` <a href="${href(`${ctx.base}/records`, { link: r.link })}">see records</a>` : ''}</td>
    </tr>`)}</tbody></table></div>`;
}

export function registerOverview(d: Dashboard): void {
  const { app, services } = d;

  app.get('/', async (request, reply) => {
    const now = new Date();
    const [connections, links, runs, activity] = await Promise.all([
      listConnections(services.db), listLinks(services.db), listRuns(services.db, { limit: 15 }), currentActivity(services),
    ]);
    const counts = await Promise.all(links.map((l) => countByStatus(services.db, l.name)));
    const ctx = d.pageContext(request, activityMarks(activity));
    const body = html`<section aria-labelledby="h-activity"><h2 id="h-activity">Now</h2>${activityList(activity)}</section>
      <section aria-labelledby="h-links"><h2 id="h-links">Links</h2>
        ${links.length > 0 ? html`<div class="cards">${links.map((l, i) => linkCard(ctx, l, counts[i]!, activity))}</div>`
          : html`<p class="empty">No links yet. Create one with <code>ml-connector link create</code>.</p>`}</section>
      <section aria-labelledby="h-connections"><h2 id="h-connections">Connections</h2>${connectionsTable(connections, now)}</section>
      <section aria-labelledby="h-runs"><h2 id="h-runs">Last runs</h2>${runsTable(ctx, runs, now)}</section>`;
    return d.send(reply, page(ctx, 'Overview', body, { notice: field(request.query, 'notice') }));
  });

  // Polled by dashboard.js: progress of running work and a signature that changes when work starts or ends.
  app.get('/activity.json', async () => {
    const activity = await currentActivity(services);
    return {
      signature: activity.signature,
      running: activity.running.map((r) => ({ id: r.id, link: r.link, kind: r.kind, progress: progressText(r.progress), eta: r.eta })),
      waiting: activity.waiting,
    };
  });
}
