import { asConnectorError } from '../../../core/errors.ts';
import { redactText } from '../../../core/redact.ts';
import type { Link } from '../../../model/link.ts';
import type { LinkSides } from '../../../engine/ports.ts';
import { withLinkSides } from '../../../engine/sides.ts';
import { proposeValueMaps, settingsWithEntries, valueMapsOf, type ValueMapSuggestions } from '../../../pairs/value-maps.ts';
import { getLink, saveLink } from '../../../store/repos/links.ts';
import { field, type Dashboard } from '../context.ts';
import { systemName } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { csrfField, noticeWith, page, type PageContext } from '../layout.ts';
import { explain } from '../plain-words.ts';
import { chartTable, judged, pairCharts } from './accounts.ts';
import { chooseLink, linkSwitcher } from './link-choice.ts';

/** Form fields carrying one entry each: `entry.<source value>` = the chosen target value ('' = not mapped). */
const entryPrefix = 'entry.';

/** A read that failed, said plainly with the code and the redacted detail (as the GL accounts page does). */
function readFailure(what: string, e: unknown): Html {
  const error = asConnectorError(e);
  const plain = explain(error.code, 'failed', null);
  return html`<div class="notice notice-bad" role="alert"><p>${what} could not be read: ${plain.what}</p><p>${plain.fix}</p>
    <p class="id">${error.code} ${redactText(error.message)}</p></div>`;
}

/** The GL section: how each ERP account bills post to is matched in BILL, and the ones with none. */
async function glSection(d: Dashboard, link: Link, sides: LinkSides): Promise<Html> {
  try {
    const rows = (await pairCharts(d.services, link, sides)).rows.filter(judged);
    const missing = rows.filter((r) => !r.bill).length;
    return html`<p><strong>${rows.length - missing}</strong> of ${rows.length} ${systemName(link.erpSystem)} accounts that bills post to have a BILL account;
        <strong class="${missing > 0 ? 'flag' : ''}">${missing}</strong> have none. <a href="${href(`${d.base}/accounts`, { link: link.name })}">Compare the whole charts</a></p>
      ${chartTable(link, rows, false)}`;
  } catch (e) {
    return readFailure('The charts of accounts', e);
  }
}

function rowState(m: ValueMapSuggestions, r: ValueMapSuggestions['rows'][number]): Html {
  if (r.current !== null) return r.currentMissing ? html`<strong class="flag">Mapped to '${r.current}', which ${m.to} does not have (active)</strong>` : html`Mapped`;
  if (r.suggestion) return html`Suggested by ${r.suggestion.by}: saved when you press Save`;
  if (r.ambiguous.length > 0) return html`<strong class="flag">Several match: ${r.ambiguous.join(', ')}</strong>; choose one`;
  return html`<strong class="flag">No candidate</strong>; choose one or leave it unmapped`;
}

/** One value map: every source value, the entry now or the suggestion preselected, and the form that confirms. */
function mapSection(ctx: PageContext, link: Link, m: ValueMapSuggestions): Html {
  const suggested = m.rows.filter((r) => r.suggestion).length;
  const unmapped = m.rows.filter((r) => r.current === null && !r.suggestion).length;
  const id = `map-${m.setting}`;
  const chooser = (r: ValueMapSuggestions['rows'][number]): Html => {
    const chosen = r.current ?? r.suggestion?.value ?? '';
    const options = [...m.targets.map((t) => ({ ...t, gone: false })), ...(r.currentMissing ? [{ value: r.current!, label: `${r.current} (not in ${m.to})`, gone: true }] : [])];
    return html`<select id="${id}-${r.value}" name="${entryPrefix}${r.value}" aria-label="${m.to} for ${r.label}">
      <option value=""${chosen === '' ? html` selected` : ''}>Not mapped</option>
      ${options.map((t) => html`<option value="${t.value}"${t.value === chosen ? html` selected` : ''}>${t.label}</option>`)}</select>`;
  };
  return html`<section aria-labelledby="${id}-title"><h2 id="${id}-title">${m.from} → ${m.to}</h2>
    <p>${m.rows.length} ${m.from}s: ${m.rows.length - suggested - unmapped} mapped, <strong>${suggested}</strong> with a suggestion,
      <strong class="${unmapped > 0 ? 'flag' : ''}">${unmapped}</strong> without one. Nothing is saved until you press Save.</p>
    <p class="muted">${m.note} The map is the link setting <code>${m.setting}</code>.</p>
    <form method="post" action="${ctx.base}/mapping">${csrfField(ctx)}
      <input type="hidden" name="link" value="${link.name}"><input type="hidden" name="setting" value="${m.setting}">
      <div class="table-wrap"><table class="mapping stack">
      <caption class="visually-hidden">${m.from}s and the ${m.to} each goes to</caption>
      <thead><tr><th scope="col">${m.from}</th><th scope="col">${m.to}</th><th scope="col">Status</th></tr></thead>
      <tbody>${m.rows.map((r) => html`<tr class="${r.current !== null && !r.currentMissing ? 'matched' : r.suggestion ? 'suggested' : 'unmatched'}">
        <th scope="row">${r.label}${r.active ? '' : html` <span class="muted">(inactive)</span>`}</th>
        <td data-label="${m.to}">${chooser(r)}</td>
        <td data-label="Status">${rowState(m, r)}</td></tr>`)}</tbody></table></div>
      <p><button type="submit" class="primary">Save mapping</button></p>
    </form>${staleEntries(ctx, link, m)}</section>`;
}

/** Entries whose key no source value has: no record uses them; each can be removed on its own. */
function staleEntries(ctx: PageContext, link: Link, m: ValueMapSuggestions): Html {
  if (m.stale.length === 0) return html``;
  return html`<h3>Entries no ${m.from} uses</h3>
    <p>These keys are not ${m.from} codes as they appear on records, so no line matches them.</p>
    <ul>${m.stale.map((e) => html`<li><form method="post" action="${ctx.base}/mapping" class="inline">${csrfField(ctx)}
      <input type="hidden" name="link" value="${link.name}"><input type="hidden" name="setting" value="${m.setting}"><input type="hidden" name="${entryPrefix}${e.value}" value="">
      <code>${e.value}</code> → ${e.target} <button type="submit">Remove</button></form></li>`)}</ul>`;
}

const savedNotices: Record<string, Html> = {
  saved: noticeWith('good', 'The mapping is saved. The next sync uses it.'),
  unchanged: noticeWith('info', 'Nothing changed: the mapping already said that.'),
};

/**
 * The mapping page of a link: its GL accounts as matched in BILL and, for a pair that keeps value
 * maps (Acumatica subaccount → BILL department), each map with the suggestions read live from both
 * systems and a form that saves what the person confirms into the link's settings.
 */
export function registerMapping(d: Dashboard): void {
  const { app, services, base } = d;
  app.get('/mapping', async (request, reply) => {
    const ctx = d.pageContext(request);
    const { links, link } = await chooseLink(services, request.query);
    if (!link) return d.send(reply, page(ctx, 'Mapping', html`<p class="empty">No such link. Create one with <code>ml-connector link create</code>.</p>`), links.length ? 404 : 200);
    const mapsOf = async (sides: LinkSides): Promise<Html> => {
      if (valueMapsOf(link).length === 0) return html``;
      try {
        return html`${(await proposeValueMaps(link, sides)).map((m) => mapSection(ctx, link, m))}`;
      } catch (e) {
        return readFailure('The values to map', e);
      }
    };
    let content: Html;
    try {
      // Both systems are signed in to once for the whole page (an Acumatica session counts against its licence).
      content = await withLinkSides(services.deps, link, async (sides) => {
        const [gl, maps] = await Promise.all([glSection(d, link, sides), mapsOf(sides)]);
        return html`<h2>GL accounts</h2>${gl}${maps}`;
      });
    } catch (e) {
      content = readFailure("The link's systems", e);
    }
    const body = html`${linkSwitcher(`${base}/mapping`, links, link)}
      <p class="muted">Link ${link.name}: how ${systemName(link.erpSystem)} records are coded in BILL. Read live from both systems.</p>
      ${content}`;
    const key = field(request.query, 'notice') ?? '';
    return d.send(reply, page(ctx, 'Mapping', body, { ...(savedNotices[key] ? { outcome: savedNotices[key] } : {}), notice: key }));
  });

  app.post('/mapping', async (request, reply) => {
    const link = await getLink(services.db, field(request.body, 'link') ?? '');
    const setting = field(request.body, 'setting') ?? '';
    if (!link || !valueMapsOf(link).some((m) => m.setting === setting)) return d.redirect(reply, '/mapping', { notice: 'unknown-link' });
    const stored = (link.settings as Record<string, unknown>)[setting] as Record<string, string> | undefined;
    const entries: Record<string, string | null> = {};
    for (const [name, value] of Object.entries((request.body ?? {}) as Record<string, unknown>)) {
      if (!name.startsWith(entryPrefix) || typeof value !== 'string') continue;
      const key = name.slice(entryPrefix.length);
      const wanted = value.trim() === '' ? null : value;
      if ((stored?.[key] ?? null) !== wanted) entries[key] = wanted;
    }
    if (Object.keys(entries).length === 0) return d.redirect(reply, '/mapping', { link: link.name, notice: 'unchanged' });
    const next = settingsWithEntries(link, setting, entries);
    if (!next.ok) {
      const text = `Nothing was saved: ${next.problem.path.join('.')}: ${next.problem.message}`;
      return d.send(reply, page(d.pageContext(request), 'Mapping', html`<p><a href="${href(`${base}/mapping`, { link: link.name })}">Back to the mapping</a></p>`, { outcome: noticeWith('bad', text) }), 400);
    }
    await saveLink(services.db, { ...link, settings: next.settings });
    services.log.info({ link: link.name, setting, entries: Object.keys(entries).length }, 'value map saved from the dashboard');
    return d.redirect(reply, '/mapping', { link: link.name, notice: 'saved' });
  });
}
