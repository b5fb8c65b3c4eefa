import { displayName } from '../../app/systems/index.ts';
import type { Link } from '../../model/link.ts';
import { pairDefinitions } from '../../pairs/index.ts';
import { html, type Html } from './html.ts';

/** "Xero", "BILL": the system registry's display name, else the id. */
export const systemName = (s: string): string => displayName(s);

/** "Xero → BILL", "BILL → QuickBooks Online": which way the link's pair writes, by its first step. */
export function linkDirection(link: Link): string {
  const pair = pairDefinitions[link.pair];
  const erp = systemName(link.erpSystem);
  const hub = systemName(pair?.hub ?? 'bill');
  return pair?.steps[0]?.from === 'bill' ? `${hub} → ${erp}` : `${erp} → ${hub}`;
}

/** What happens to a GL account bills use that the target's chart lacks, by the link's pair and settings. */
export function missingAccountText(link: Link): { short: string; long: string } {
  const pair = pairDefinitions[link.pair];
  if (!pair) return { short: 'unknown pair', long: `This version does not run the pair ${link.pair}.` };
  const target = systemName(pair.accounts.to === 'bill' ? pair.hub : pair.erp);
  return pair.accounts.mayCreate(link)
    ? { short: `created in ${target}`, long: `Created in ${target} when a bill first uses it.` }
    : { short: 'fail the bill', long: `Bills using it fail until the account exists in ${target}${pair.accounts.policy === 'map-only' ? ' or is mapped' : ''}.` };
}

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
  pending: 'info', running: 'info', queued: 'info', parked: 'info', skipped: 'muted', interrupted: 'warn', disabled: 'muted',
};

const badgeText: Record<string, string> = { needs_reconnect: 'reconnect needed' };

/** A status pill: the word is always written out, colour only repeats it. */
export function badge(status: string): Html {
  const tone = badgeTone[status] ?? 'muted';
  return html`<span class="badge badge-${tone} status-${status}">${badgeText[status] ?? status}</span>`;
}

const nouns: Record<string, [string, string]> = {
  bill: ['bill', 'bills'], payment: ['payment', 'payments'], vendor: ['vendor', 'vendors'], account: ['GL account', 'GL accounts'],
  department: ['department', 'departments'], retry: ['failed record', 'failed records'], replay: ['record', 'records'],
};
const verbs: Record<string, string> = {
  create: 'created', update: 'updated', link: 'matched to existing ones', archive: 'archived', delete: 'removed', unchanged: 'unchanged',
  skip: 'skipped', conflict: 'waiting for a person to decide', fail: 'failed', recovered: 'recovered after a lost answer',
  pending_reread: 'still pending, checked again', records: 'tried again',
};
/** Entities are told in this order; the one with failures or conflicts comes first. */
const entityOrder = ['bill', 'payment', 'vendor', 'account', 'department', 'retry', 'replay'];
const verbOrder = Object.keys(verbs);

/**
 * Run counts in words, per kind of record, failures first, zero counts left out:
 * "8 bills failed, 2 created, 10 skipped; 6 vendors created". The engine's keys are
 * `<entity>.<action>` (RunContext.count); a key not known here is shown as it is.
 */
export function countsSummary(counts: Record<string, number> | null | undefined): string {
  const byEntity = new Map<string, [string, number][]>();
  const unknown: string[] = [];
  for (const [key, n] of Object.entries(counts ?? {})) {
    if (!(n > 0)) continue;
    const dot = key.indexOf('.');
    const entity = key.slice(0, dot);
    const action = key.slice(dot + 1);
    if (dot < 0 || !nouns[entity] || !verbs[action]) unknown.push(`${key} ${n}`);
    else byEntity.set(entity, [...(byEntity.get(entity) ?? []), [action, n]]);
  }
  if (byEntity.size === 0 && unknown.length === 0) return 'nothing to do';
  const trouble = (items: [string, number][]) => (items.some(([a]) => a === 'fail' || a === 'conflict') ? 0 : 1);
  const rank = (a: string) => (a === 'fail' ? -2 : a === 'conflict' ? -1 : verbOrder.indexOf(a));
  const parts = [...byEntity].sort(([a, x], [b, y]) => trouble(x) - trouble(y) || entityOrder.indexOf(a) - entityOrder.indexOf(b)).map(([entity, items]) => {
    items.sort(([a], [b]) => rank(a) - rank(b));
    const [one, many] = nouns[entity]!;
    const verb = (action: string) => (entity === 'replay' && action === 'records' ? 'replayed' : verbs[action]);
    return items.map(([action, n], i) => (i === 0 ? `${n} ${n === 1 ? one : many} ${verb(action)}` : `${n} ${verb(action)}`)).join(', ');
  });
  return [...parts, ...unknown].join('; ');
}
