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
