import { html, type Html } from './html.ts';

/** What every page needs to draw links and forms: the plugin's prefix and the session's CSRF token. */
export interface PageContext {
  /** The dashboard's URL prefix without a trailing slash ('' at the root). */
  base: string;
  csrf: string | null;
  /** The request's path, to mark the current section in the navigation. */
  path: string;
  /**
   * Pages that show job results carry the activity signature they were drawn with; dashboard.js
   * polls activity.json and reloads the page when it changes (a job was queued, started or ended).
   */
  signature?: string;
  /** Work is waiting or running: poll often. */
  busy?: boolean;
  /** The page waits for the outcome of work the person started: reload when it ends. */
  awaiting?: boolean;
}

/** Fixed notices shown after a form was handled; the query carries only the key, never text. */
const notices: Record<string, { tone: 'good' | 'bad' | 'info'; text: string }> = {
  'sync-queued': { tone: 'info', text: 'Sync queued. This page updates when it finishes.' },
  'replay-queued': { tone: 'info', text: 'Replay queued. This page updates when it finishes.' },
  skipped: { tone: 'good', text: 'The record is skipped and will not be retried until it changes or you replay it.' },
  'not-skipped': { tone: 'bad', text: 'Nothing was skipped: the record no longer needs attention.' },
  'unknown-link': { tone: 'bad', text: 'There is no such link.' },
  'reconciled': { tone: 'info', text: 'Reconciliation finished.' },
  'reconcile-queued': { tone: 'info', text: 'Reconciliation is waiting behind work running on this BILL organisation; this page shows its report once it is done.' },
  'reconcile-failed': { tone: 'bad', text: 'Reconciliation could not finish; the reason is shown below.' },
};

/** A notice with its own text, for outcomes that name what happened (escaped like any text). */
export function noticeWith(tone: 'good' | 'bad' | 'info', text: string): Html {
  return html`<p class="notice notice-${tone}" role="status">${text}</p>`;
}

export function notice(key: string | undefined): Html {
  const n = key ? notices[key] : undefined;
  if (!n) return html``;
  return html`<p class="notice notice-${n.tone}" role="status">${n.text}</p>`;
}

const sections = [
  { path: '/', label: 'Overview' },
  { path: '/records', label: 'Records' },
  { path: '/accounts', label: 'GL accounts' },
  { path: '/mapping', label: 'Mapping' },
  { path: '/reconcile', label: 'Reconcile' },
  // The connect pages live at the server's root whatever the dashboard's prefix (connect/plugin.ts).
  { path: '/connect', label: 'Connect', atRoot: true },
] as const;

export function csrfField(ctx: PageContext): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}">`;
}

function nav(ctx: PageContext): Html {
  if (!ctx.csrf) return html``;
  const relativePath = ctx.path.slice(ctx.base.length) || '/';
  const items = sections.map((s) => {
    const atRoot = 'atRoot' in s && s.atRoot;
    const current = s.path === '/' ? relativePath === '/' : atRoot ? ctx.path.startsWith(s.path) : relativePath.startsWith(s.path);
    return html`<li><a href="${atRoot ? '' : ctx.base}${s.path}"${current ? html` aria-current="page"` : ''}>${s.label}</a></li>`;
  });
  return html`<nav aria-label="Sections"><ul>${items}</ul></nav>
    <form method="post" action="${ctx.base}/logout" class="logout">${csrfField(ctx)}<button type="submit" class="link-button">Log out</button></form>`;
}

export function page(ctx: PageContext, title: string, body: Html, query: { notice?: string; outcome?: Html } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ml-connector</title>
<link rel="stylesheet" href="${ctx.base}/assets/dashboard.css">
<script src="${ctx.base}/assets/dashboard.js" defer></script>
</head>
<body data-base="${ctx.base}"${ctx.signature ? html` data-signature="${ctx.signature}"` : ''}${ctx.busy ? html` data-busy="1"` : ''}${ctx.awaiting ? html` data-awaiting="1"` : ''}>
<a class="skip-link" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="${ctx.base}/">ml-connector</a>
  ${nav(ctx)}
</header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
${query.outcome ?? notice(query.notice)}
<p id="live" class="live" role="status" aria-live="polite"></p>
${body}
</main>
</body>
</html>
`.value;
}
