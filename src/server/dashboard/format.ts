import { html, type Html } from './html.ts';

const systemNames: Record<string, string> = { xero: 'Xero', bill: 'BILL', qbo: 'QuickBooks Online', acumatica: 'Acumatica' };
export const systemName = (s: string): string => systemNames[s] ?? s;

/** Timestamps come from the store as PostgreSQL text ("2026-11-21 10:32:05.12+00"). */
export function parseDbTime(text: string | null | undefined): Date | null {
  if (!text) return null;
  const iso = text.trim().replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "2026-11-21 10:32 UTC": one fixed zone, so every viewer reads the same time as the logs. */
export function formatTime(d: Date | null): string {
  return d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '—';
}

/** "3 min ago", "in 25 min": how far a moment is from now, for token expiry and last success. */
export function relative(d: Date | null, now = new Date()): string {
  if (!d) return '';
  const s = Math.round((d.getTime() - now.getTime()) / 1000);
  const a = Math.abs(s);
  const amount = a < 60 ? `${a} s` : a < 3600 ? `${Math.round(a / 60)} min` : a < 172800 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86400)} days`;
  return s >= 0 ? `in ${amount}` : `${amount} ago`;
}

/** A time element: readable text, machine-readable datetime, the relative form as a tooltip. */
export function timeCell(text: string | null | undefined, now = new Date()): Html {
  const d = parseDbTime(text ?? null);
  if (!d) return html`<span class="muted">—</span>`;
  return html`<time datetime="${d.toISOString()}" title="${relative(d, now)}">${formatTime(d)}</time>`;
}

export function duration(startText: string, endText: string | null): string {
  const start = parseDbTime(startText);
  const end = parseDbTime(endText);
  if (!start || !end) return '';
  const ms = end.getTime() - start.getTime();
  return ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

const badgeTone: Record<string, string> = {
  synced: 'good', succeeded: 'good', ok: 'good', agree: 'good',
  failed: 'bad', conflict: 'warn', partial: 'warn', needs_reconnect: 'bad', differences: 'bad',
  pending: 'info', running: 'info', queued: 'info', skipped: 'muted', interrupted: 'warn', disabled: 'muted',
};

const badgeText: Record<string, string> = { needs_reconnect: 'reconnect needed' };

/** A status pill: the word is always written out, colour only repeats it. */
export function badge(status: string): Html {
  const tone = badgeTone[status] ?? 'muted';
  return html`<span class="badge badge-${tone} status-${status}">${badgeText[status] ?? status}</span>`;
}

/** Run counts as "bill.create 12 · bill.fail 1", zero counts left out, failures first. */
export function countsSummary(counts: Record<string, number> | null | undefined): string {
  const entries = Object.entries(counts ?? {}).filter(([, n]) => n > 0);
  const weight = (k: string) => (k.endsWith('.fail') ? 0 : k.endsWith('.conflict') ? 1 : 2);
  entries.sort((a, b) => weight(a[0]) - weight(b[0]) || a[0].localeCompare(b[0]));
  return entries.map(([k, n]) => `${k} ${n}`).join(' · ') || 'nothing to do';
}
