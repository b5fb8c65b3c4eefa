import { raw } from '../dashboard/html.ts';
import { page as dashboardPage } from '../dashboard/layout.ts';

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * A whole page in the dashboard's look: its stylesheet, header and, for a signed-in person (the
 * session's CSRF token is known), its navigation with Connect marked. The connect pages are served
 * at the root, beside the dashboard of `ml-connector serve`. `body` must already be escaped HTML.
 */
export function page(title: string, body: string, options: { csrf?: string | null; path?: string } = {}): string {
  return dashboardPage({ base: '', csrf: options.csrf ?? null, path: options.path ?? '/connect' }, title, raw(`<div class="connect">${body}</div>`));
}

export const csrfField = (csrf: string | null): string => (csrf ? `<input type="hidden" name="_csrf" value="${esc(csrf)}">` : '');

/**
 * One labelled form field. A secret is a password input whose value is never written back into
 * the page, not even after an error; other fields show `value`.
 */
export function formField(f: { id: string; name: string; label: string; secret?: boolean | undefined; required?: boolean | undefined; type?: string | undefined }, value: string | undefined): string {
  return `<label for="${esc(f.id)}">${esc(f.label)}</label><input type="${f.secret ? 'password' : (f.type ?? 'text')}" id="${esc(f.id)}" name="${esc(f.name)}"${f.secret ? '' : ` value="${esc(value ?? '')}"`}${f.required ? ' required' : ''}>`;
}
