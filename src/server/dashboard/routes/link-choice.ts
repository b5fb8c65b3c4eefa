import type { Link } from '../../../model/link.ts';
import { listLinks } from '../../../store/repos/links.ts';
import type { ServerServices } from '../../contract.ts';
import { field } from '../context.ts';
import { html, type Html } from '../html.ts';

/** The link a per-link page is about: the one asked for, else the first (most setups have one). */
export async function chooseLink(services: ServerServices, query: unknown): Promise<{ links: Link[]; link: Link | null }> {
  const links = await listLinks(services.db);
  const wanted = field(query, 'link');
  return { links, link: links.find((l) => l.name === wanted) ?? (wanted ? null : links[0] ?? null) };
}

/** A small GET form to switch link, shown only when there is more than one. */
export function linkSwitcher(action: string, links: Link[], current: Link | null): Html {
  if (links.length < 2) return html``;
  return html`<form method="get" action="${action}" class="filters" aria-label="Choose a link">
    <div><label for="f-link">Link</label><select id="f-link" name="link">${links.map((l) =>
      html`<option value="${l.name}"${l.name === current?.name ? html` selected` : ''}>${l.name}</option>`)}</select></div>
    <div><button type="submit">Show</button></div>
  </form>`;
}
